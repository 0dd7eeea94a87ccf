import { AssignerProtocol, type Cluster, type GroupMember, type Logger } from 'kafkajs';
import { ALIGNED_ASSIGNER, alignedAssigner } from './aligned-assigner';

// A cluster that knows only how many partitions each topic has: all the assigner asks of it.
const cluster = (partitions: Record<string, number>) =>
  ({ findTopicPartitionMetadata: (topic: string) => Array.from({ length: partitions[topic] ?? 0 }, (_, partitionId) => ({ partitionId })) }) as unknown as Cluster;

/** member is how the broker hands a member to the group's leader: its id, and the subscription its assigner encoded. */
function member(memberId: string, key: string, topics: string[]): GroupMember {
  const state = alignedAssigner(key)({ cluster: cluster({}), groupId: 'g', logger: {} as Logger }).protocol({ topics });
  expect(state.name).toBe(ALIGNED_ASSIGNER);
  return { memberId, memberMetadata: state.metadata };
}

async function assign(members: GroupMember[], topics: string[], partitions: Record<string, number>): Promise<Map<string, Record<string, number[]>>> {
  const assigner = alignedAssigner('leader')({ cluster: cluster(partitions), groupId: 'g', logger: {} as Logger });
  const keyOf = new Map(members.map((m) => [m.memberId, AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData.toString('utf8') ?? '']));
  const out = new Map<string, Record<string, number[]>>();
  for (const { memberId, memberAssignment } of await assigner.assign({ members, topics })) {
    out.set(keyOf.get(memberId) as string, AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment ?? {});
  }
  return out;
}

describe('alignedAssigner', () => {
  it('gives the same partition numbers to the same keys in two groups, whatever the member ids and their order', async () => {
    const calls = await assign([member('z-1', 'host/2/1', ['cdr', 'start']), member('a-9', 'host/1/1', ['cdr', 'start'])], ['cdr', 'start'], { cdr: 6, start: 6 });
    const billing = await assign([member('a-3', 'host/2/1', ['pay']), member('q-7', 'host/1/1', ['pay'])], ['pay'], { pay: 6 });
    expect(calls.get('host/1/1')).toEqual({ cdr: [0, 2, 4], start: [0, 2, 4] });
    expect(calls.get('host/2/1')).toEqual({ cdr: [1, 3, 5], start: [1, 3, 5] });
    expect(billing.get('host/1/1')).toEqual({ pay: [0, 2, 4] });
    expect(billing.get('host/2/1')).toEqual({ pay: [1, 3, 5] });
  });

  it('ranks members by key, p mod n, and gives every partition to exactly one', async () => {
    const members = ['c', 'a', 'b'].map((key, i) => member(`m${i}`, key, ['t']));
    const out = await assign(members, ['t'], { t: 7 });
    expect([out.get('a'), out.get('b'), out.get('c')]).toEqual([{ t: [0, 3, 6] }, { t: [1, 4] }, { t: [2, 5] }]);
  });

  it('ranks a member without a key after those with one', async () => {
    const keyless: GroupMember = { memberId: 'a-0', memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['t'], userData: Buffer.alloc(0) }) };
    const out = await assign([keyless, member('b-0', 'k', ['t'])], ['t'], { t: 4 });
    expect(out.get('k')).toEqual({ t: [0, 2] });
    expect(out.get('')).toEqual({ t: [1, 3] });
  });
});
