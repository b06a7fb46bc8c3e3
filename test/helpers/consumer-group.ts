import { type Admin, AssignerProtocol } from 'kafkajs';

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
