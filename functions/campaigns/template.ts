/**
 * Campaign message templates: `{{placeholder}}` markers for customer fields and the campaign's
 * coupon code, checked when the campaign is created (an unknown placeholder, or `{{couponCode}}`
 * without a coupon, is refused) and filled per customer when it is sent. Pure: no I/O.
 *
 * Rendering is plain text (SMS bodies and the email's text part): values are inserted as they
 * are, never interpreted as markup or as further placeholders.
 */

/** The placeholders a template may use, and what each stands for. */
export const PLACEHOLDERS = {
  name: 'The customer’s name',
  firstName: 'The first word of the customer’s name',
  email: 'The customer’s email address (empty when they have none)',
  phone: 'The customer’s phone number (empty when they have none)',
  couponCode: 'The campaign’s coupon code (only when the campaign has one)',
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;

/** `{{ name }}`: letters and digits, optional inner spaces. */
const MARKER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

const isPlaceholder = (name: string): name is Placeholder => Object.hasOwn(PLACEHOLDERS, name);

/** Every placeholder name a text uses, in order of first use (known or not). */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(MARKER)].map((m) => m[1] ?? ''))];
}

/**
 * What is wrong with a template, or an empty list: unknown placeholders, and `{{couponCode}}`
 * when the campaign has no coupon code.
 */
export function templateProblems(text: string, options: { hasCouponCode: boolean }): string[] {
  const problems: string[] = [];
  for (const name of placeholdersOf(text)) {
    if (!isPlaceholder(name)) {
      problems.push(`Unknown placeholder {{${name}}}; known: ${Object.keys(PLACEHOLDERS).join(', ')}`);
    } else if (name === 'couponCode' && !options.hasCouponCode) {
      problems.push('{{couponCode}} needs the campaign’s couponCode');
    }
  }
  return problems;
}

/** The values a customer's message is filled with. */
export type TemplateValues = Readonly<Record<Placeholder, string>>;

export function templateValues(
  customer: {
    readonly name: string;
    readonly email?: string | undefined;
    readonly phone?: string | undefined;
  },
  couponCode: string | undefined,
): TemplateValues {
  return {
    name: customer.name,
    firstName: customer.name.trim().split(/\s+/)[0] ?? '',
    email: customer.email ?? '',
    phone: customer.phone ?? '',
    couponCode: couponCode ?? '',
  };
}

/** The text with every known placeholder replaced (in one pass: values are never re-read). */
export function renderTemplate(text: string, values: TemplateValues): string {
  return text.replace(MARKER, (marker, name: string) => (isPlaceholder(name) ? values[name] : marker));
}
