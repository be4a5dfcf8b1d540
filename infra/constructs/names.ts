/** Naming helpers shared by the constructs: topology names are kebab/camel case, construct ids PascalCase. */

/** `crm-timeline` → `CrmTimeline`, `catalog` → `Catalog`: stable construct ids from topology names. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
