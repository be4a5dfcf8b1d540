/**
 * The key of a segment's membership item, shared with the contexts that check membership inside
 * their own transactions (a coupon restricted to a segment: a ConditionCheck that the member item
 * exists) and those that page through members (campaigns). The segments context owns the item.
 *
 *   pk `SEGMENT#<segmentId>`, sk `MEMBER#<customerId>`
 */
export const SEGMENT_PK_PREFIX = 'SEGMENT#';
export const SEGMENT_MEMBER_SK_PREFIX = 'MEMBER#';

export const segmentMemberKey = (segmentId: string, customerId: string) => ({
  pk: `${SEGMENT_PK_PREFIX}${segmentId}`,
  sk: `${SEGMENT_MEMBER_SK_PREFIX}${customerId}`,
});
