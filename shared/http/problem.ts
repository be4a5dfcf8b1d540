/**
 * RFC 9457 problem documents. The only place domain errors become HTTP; a 5xx body never says
 * anything about the cause (that goes to the log, with the request id to find it).
 */
import type * as z from 'zod';
import { AppError, type ErrorCode, errorCatalogue, type FieldError } from '../errors.ts';
import { RETRY_AFTER_SECONDS } from '../faults.ts';
import type { HttpResult } from './contract.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export const problemType = (code: ErrorCode): string =>
  `urn:storeline:problem:${code.toLowerCase().replaceAll('_', '-')}`;

export function problem(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): HttpResult {
  const { status, title } = errorCatalogue[code];
  const body: ProblemDocument = { ...extra, type: problemType(code), title, status, detail, code };
  return { status, body, headers: { 'content-type': PROBLEM_CONTENT_TYPE } };
}

export function problemFromError(error: AppError, instance?: string): HttpResult {
  const result = problem(
    error.code,
    error.message,
    instance ? { ...error.extra, instance } : { ...error.extra },
  );
  // A 503 tells the client when to try again (RFC 9110 §10.2.3).
  if (error.status === 503)
    return { ...result, headers: { ...result.headers, 'retry-after': String(RETRY_AFTER_SECONDS) } };
  return result;
}

/** Flattens zod issues into `{ path, message }`, naming each unknown field on its own. */
export function fieldErrors(error: z.ZodError, prefix: string): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ path: base ? `${base}.${key}` : key, message: 'Unknown field' });
    } else {
      out.push({ path: base, message: issue.message });
    }
  }
  return out;
}

export function validationError(error: z.ZodError, prefix: string): AppError {
  const errors = fieldErrors(error, prefix);
  const summary = errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ');
  return new AppError('VALIDATION_FAILED', summary, { errors });
}
