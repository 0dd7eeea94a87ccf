import { AREA_FORMATS } from '@callwatch/notify';
import { GAUGE_AREAS, WINDOWED_AREAS } from '@callwatch/rules';

// libs/notify cannot import libs/rules; the CLI uses both, so this is where their lists of areas are held together.
describe('the areas of rules and of notifications', () => {
  it('give every metric area a format (label, unit, stock template), and no format to anything else', () => {
    expect(Object.keys(AREA_FORMATS).sort()).toEqual([...WINDOWED_AREAS, ...GAUGE_AREAS].sort());
  });
});
