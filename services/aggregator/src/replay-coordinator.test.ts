import type { Side } from '@callwatch/windows';
import { ReplayCoordinator, type ReplayBatch, type ReplayEpoch, type Rewindable } from './replay-coordinator';

/** A stand-in epoch: every partition needs a replay once `lost()` was called, until it is marked replayed. */
class FakeEpoch implements ReplayEpoch {
  current = 'e1';
  private pending = false;
  private readonly done = new Set<string>();
  lost(): void {
    this.current = `e${Number(this.current.slice(1)) + 1}`;
    this.pending = true;
    this.done.clear();
  }
  needsReplay(source: string): boolean {
    return this.pending && !this.done.has(source);
  }
  replayed(source: string): void {
    this.done.add(source);
  }
}

/** A side's consumer: what it owns, and the seeks it was given. */
class FakeConsumer implements Rewindable {
  readonly seeks: string[] = [];
  constructor(private readonly owned: Record<string, number[]>) {}
  assignment(): ReadonlyMap<string, number[]> {
    return new Map(Object.entries(this.owned));
  }
  seek(topic: string, partition: number, offset: string): void {
    this.seeks.push(`${topic}/${partition}@${offset}`);
  }
}

function setUp() {
  const epoch = new FakeEpoch();
  const consumers: Partial<Record<Side, FakeConsumer>> = { customer: new FakeConsumer({ cdr: [0, 1] }), billing: new FakeConsumer({ payment: [0] }) };
  const lookups: string[] = [];
  const rewound: string[] = [];
  let failNextLookup = false;
  const replays = new ReplayCoordinator({
    epoch,
    consumerOf: (side) => consumers[side],
    replayOffsets: async (side, topic) => {
      lookups.push(`${side} ${topic}`);
      if (failNextLookup) {
        failNextLookup = false;
        throw new Error('admin API away');
      }
      return new Map([[0, 100], [1, 200]]);
    },
    onReplayed: () => {},
    onRewound: (side, r) => rewound.push(`${side} ${JSON.stringify(r)}`),
  });
  return { epoch, consumers, lookups, rewound, replays, failLookup: () => (failNextLookup = true) };
}

const batch = (topic: string, partition: number, firstOffset: number, moved = false): ReplayBatch => ({ topic, partition, firstOffset: String(firstOffset), moved: () => moved });

describe('ReplayCoordinator', () => {
  it('replays nothing while Redis keeps its state', async () => {
    const { consumers, replays, lookups } = setUp();
    expect(await replays.replayBatch('customer', batch('cdr', 0, 5), true)).toBe(false);
    expect([consumers.customer?.seeks, lookups]).toEqual([[], []]);
  });

  it('after a loss, seeks every partition of the side once to the oldest offset needed, and moves the batch', async () => {
    const { epoch, consumers, replays, lookups, rewound } = setUp();
    epoch.lost();
    expect(await replays.replayBatch('customer', batch('cdr', 1, 900), true)).toBe(true);
    expect(consumers.customer?.seeks).toEqual(['cdr/0@100', 'cdr/1@200']);
    expect(rewound).toEqual(['customer {"cdr/0":100,"cdr/1":200}']);
    // Done for this epoch: the next batch goes on, and the offsets were looked up once.
    expect(await replays.replayBatch('customer', batch('cdr', 0, 100), true)).toBe(false);
    expect(consumers.customer?.seeks).toHaveLength(2);
    expect(lookups).toEqual(['customer cdr']);
  });

  it('lets a batch in hand that starts where the replay would go on without a seek', async () => {
    const { epoch, consumers, replays } = setUp();
    epoch.lost();
    expect(await replays.replayBatch('customer', batch('cdr', 0, 100), true)).toBe(false);
    expect(consumers.customer?.seeks).toEqual(['cdr/1@200']);
  });

  it('moves a batch that a seek moved while it was on its way, even when its partition needs no seek now', async () => {
    const { epoch, replays } = setUp();
    epoch.lost();
    expect(await replays.replayBatch('customer', batch('cdr', 0, 100, true), true)).toBe(true);
  });

  it('runs a side\'s replays one after another, so two at once seek each partition once', async () => {
    const { epoch, consumers, replays } = setUp();
    epoch.lost();
    const assignment = consumers.customer!.assignment();
    await Promise.all([replays.replayAll('customer', assignment), replays.replayAll('customer', assignment), replays.replayBatch('customer', batch('cdr', 1, 5), true)]);
    expect(consumers.customer?.seeks).toEqual(['cdr/0@100', 'cdr/1@200']);
  });

  it('looks the offsets up again after a failed lookup, and per epoch', async () => {
    const { epoch, consumers, replays, lookups, failLookup } = setUp();
    epoch.lost();
    failLookup();
    await expect(replays.replayAll('customer', consumers.customer!.assignment())).rejects.toThrow('admin API away');
    expect(await replays.replayBatch('customer', batch('cdr', 0, 7), true)).toBe(true);
    epoch.lost();
    await replays.replayAll('customer', consumers.customer!.assignment());
    expect(lookups).toEqual(['customer cdr', 'customer cdr', 'customer cdr']);
  });

  it('replays every other side when one notices the loss, and none without a consumer yet', async () => {
    const { epoch, consumers, replays } = setUp();
    epoch.lost();
    await replays.replayEverySide(['customer', 'carrier', 'billing'], 'customer');
    expect([consumers.customer?.seeks, consumers.billing?.seeks]).toEqual([[], ['payment/0@100']]);
  });
});
