import { AssignerProtocol, type Assignment, type PartitionAssigner } from 'kafkajs';

/** ALIGNED_ASSIGNER is the group protocol name of `alignedAssigner`. */
export const ALIGNED_ASSIGNER = 'CallwatchAligned';

/**
 * alignedAssigner gives partition p of every topic to the member ranked p mod n, members ranked by the key each
 * sends with its subscription (`memberKey`) rather than by the member ids the broker makes up. So consumers that
 * are members of several groups with the same key (one aggregator's customer and billing sides) get the same
 * partition numbers in each: a customer's calls and its payments, keyed alike, are counted by the same member.
 * Members without a key (another assigner's protocol chosen by an older member) rank after those with one, by id.
 */
export function alignedAssigner(memberKey: string): PartitionAssigner {
  return ({ cluster }) => ({
    name: ALIGNED_ASSIGNER,
    version: 0,
    protocol: ({ topics }) => ({
      name: ALIGNED_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.from(memberKey, 'utf8') }),
    }),
    assign: async ({ members, topics }) => {
      const ranked = members
        .map(({ memberId, memberMetadata }) => ({ memberId, key: AssignerProtocol.MemberMetadata.decode(memberMetadata)?.userData?.toString('utf8') ?? '' }))
        .sort((a, b) => (a.key === b.key ? compare(a.memberId, b.memberId) : a.key === '' ? 1 : b.key === '' ? -1 : compare(a.key, b.key)));
      const assignments = new Map<string, Assignment>(ranked.map(({ memberId }) => [memberId, {}]));
      for (const topic of topics) {
        for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
          const assignment = assignments.get((ranked[partitionId % ranked.length] as { memberId: string }).memberId) as Assignment;
          (assignment[topic] ??= []).push(partitionId);
        }
      }
      return [...assignments].map(([memberId, assignment]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
      }));
    },
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
