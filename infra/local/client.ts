/** A small HTTP client for the local runtime (e2e tests, the bench): tokens from the local issuer, JSON in and out. */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, for malformed-body tests. */
  rawBody?: string;
  token?: string;
  headers?: Record<string, string>;
}

export interface ApiClient {
  readonly baseUrl: string;
  token(sub: string, groups?: string[]): Promise<string>;
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<ApiResponse<T>>;
}

export function apiClient(baseUrl: string): ApiClient {
  const request = async <T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // leave non-JSON bodies as text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
  return {
    baseUrl,
    request,
    async token(sub, groups = []) {
      const res = await request<{ token: string }>('POST', '/_local/token', { body: { sub, groups } });
      if (res.status !== 201)
        throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token;
    },
  };
}

/** A unique id for test data, so test files sharing one runtime never collide. */
export const uniqueId = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`.toUpperCase();
