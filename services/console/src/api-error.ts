/** ApiError is a request the console refuses, with the HTTP status and the precise message its answer carries. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
