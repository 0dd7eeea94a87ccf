import { smsLength } from './sms-segments';

describe('smsLength', () => {
  it.each([
    ['nothing', '', 'GSM-7', 0, 0],
    ['160 GSM-7 characters in one segment', 'a'.repeat(160), 'GSM-7', 160, 1],
    ['161 GSM-7 characters in two segments of 153', 'a'.repeat(161), 'GSM-7', 161, 2],
    ['306 GSM-7 characters in two segments', 'a'.repeat(306), 'GSM-7', 306, 2],
    ['307 GSM-7 characters in three segments', 'a'.repeat(307), 'GSM-7', 307, 3],
    ['basic-table accents and symbols as one septet', 'é£¥Ä§¿@_Ω', 'GSM-7', 9, 1],
    ['extension characters as two septets', '€[]{}~^|\\', 'GSM-7', 18, 1],
    ['80 euro signs past one segment', '€'.repeat(80), 'GSM-7', 160, 1],
    ['81 euro signs in two segments', '€'.repeat(81), 'GSM-7', 162, 2],
    ['an escape pair never split: 152 septets then €', `${'a'.repeat(152)}€${'a'.repeat(10)}`, 'GSM-7', 164, 2],
    ['a character outside GSM-7 switches to UCS-2', `${'a'.repeat(69)}ç`, 'UCS-2', 70, 1],
    ['71 UCS-2 units in two segments of 67', `${'a'.repeat(70)}ç`, 'UCS-2', 71, 2],
    ['134 UCS-2 units in two segments', 'ç'.repeat(134), 'UCS-2', 134, 2],
    ['135 UCS-2 units in three segments', 'ç'.repeat(135), 'UCS-2', 135, 3],
    ['an emoji as two UCS-2 units, never split', `${'a'.repeat(66)}😀`, 'UCS-2', 68, 1],
  ])('counts %s', (_name, text, encoding, units, segments) => {
    expect(smsLength(text)).toEqual({ encoding, units, segments });
  });

  it('keeps a surrogate pair in one segment', () => {
    // 66 units, then an emoji that does not fit in the 67-unit segment's last unit.
    expect(smsLength(`${'a'.repeat(66)}😀${'a'.repeat(10)}`)).toEqual({ encoding: 'UCS-2', units: 78, segments: 2 });
  });
});
