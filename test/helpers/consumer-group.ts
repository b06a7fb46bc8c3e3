import { type Admin, AssignerProtocol } from 'kafkajs';
import { waitFor } from './wait.js';

/** One member of a consumer group and the partitions the group assigned it. */
export interface GroupMember {
  memberId: string;
  partitions: { topic: string; partition: number }[];
}

/** A consumer group as the coordinator describes it: its state and who owns which partition. */
export interface GroupAssignment {
  state: string;
  members: GroupMember[];
}

/** Reads the group's members and their assignments from the coordinator (`DescribeGroups`). */
export async function describeAssignment(admin: Admin, groupId: string): Promise<GroupAssignment> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  if (!group) return { state: 'Unknown', members: [] };
  return {
    state: group.state,
    members: group.members.map((m) => {
      const decoded = m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
      const partitions = Object.entries(decoded?.assignment ?? {}).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
      return { memberId: m.memberId, partitions };
    }),
  };
}

type PartitionRef = { topic: string; partition: number };

/** Waits until the group is Stable with one member owning all `partitionCount` partitions; returns its member id. */
export async function waitSoleMember(admin: Admin, groupId: string, partitionCount: number): Promise<string> {
  return waitFor('the first instance to join', async () => {
    const g = await describeAssignment(admin, groupId);
    return g.state === 'Stable' && g.members.length === 1 && g.members[0]!.partitions.length === partitionCount ? g.members[0]!.memberId : undefined;
  });
}

/** Waits until the group is Stable with `size` members, each owning partitions; returns what `memberId` owns. */
export async function waitShared(admin: Admin, groupId: string, size: number, memberId: string): Promise<PartitionRef[]> {
  return waitFor(`${size} instances to share the partitions`, async () => {
    const g = await describeAssignment(admin, groupId);
    const mine = g.members.find((m) => m.memberId === memberId);
    return g.state === 'Stable' && g.members.length === size && mine && g.members.every((m) => m.partitions.length > 0) ? mine.partitions : undefined;
  });
}

/**
 * Waits until the coordinator dropped `memberId` (after its session timeout) and the `size` members
 * left own all `partitionCount` partitions between them.
 */
export async function waitSurvivorsOwnAll(admin: Admin, groupId: string, memberId: string, size: number, partitionCount: number): Promise<void> {
  await waitFor(
    `the ${size} survivor(s) to own every partition`,
    async () => {
      const g = await describeAssignment(admin, groupId);
      const owned = g.members.reduce((n, m) => n + m.partitions.length, 0);
      return g.state === 'Stable' && g.members.length === size && !g.members.some((m) => m.memberId === memberId) && owned === partitionCount ? true : undefined;
    },
    90_000,
  );
}

/** Waits until `offset` of one of `owned` moved past its value at the call; returns that partition. */
export async function waitAppliedOnOwned(owned: PartitionRef[], offset: (p: PartitionRef) => Promise<number>): Promise<PartitionRef> {
  const before = await Promise.all(owned.map(offset));
  return waitFor(
    'the member to apply records on a partition it owns',
    async () => {
      for (const [i, p] of owned.entries()) if ((await offset(p)) > before[i]!) return p;
      return undefined;
    },
    60_000,
    100,
  );
}
