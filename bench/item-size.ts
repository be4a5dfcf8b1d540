/**
 * DynamoDB's item size rule (attribute names + values, UTF-8), for cross-checking the capacity
 * DynamoDB Local reports. Transactional writes cost 2 WCU per started KB of each item.
 */
const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

function valueSize(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') {
    // Up to 38 significant digits: roughly one byte per two digits, plus one.
    const digits = String(Math.abs(value))
      .replace(/[.-]|e.*$/g, '')
      .replace(/^0+/, '').length;
    return Math.ceil(digits / 2) + 1;
  }
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    return 3 + Object.entries(value).reduce((sum, [k, v]) => sum + 1 + utf8(k) + valueSize(v), 0);
  }
  return utf8(String(value));
}

export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

export function transactionalWriteUnits(itemSizes: readonly number[]): number {
  return itemSizes.reduce((sum, size) => sum + 2 * Math.max(1, Math.ceil(size / 1024)), 0);
}
