/**
 * Applies the `coupon.issued` webhooks recorded before coupons existed (once, after deploying
 * coupons; a re-run changes nothing). Uses the same variables as the handlers: `TABLE_NAME`, and
 * `AWS_ENDPOINT_URL_DYNAMODB` for the local runtime's DynamoDB Local.
 *
 *   TABLE_NAME=storeline AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 node scripts/apply-recorded-coupons.ts
 */
const { applyRecordedCoupons } = await import('#functions/webhooks/recorded-coupons.ts');
const report = await applyRecordedCoupons();
console.log(
  `applied ${report.applied.length}, left to staff ${report.kept.length}, invalid ${report.invalid.length}`,
);
