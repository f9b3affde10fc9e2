/**
 * Drydock's error body, `{type: 'error', message, retry}` (control/base.py return_error), carried
 * by an exception so that every route answers bad input the same way.
 */
export interface DrydockErrorBody {
  type: 'error';
  message: string;
  retry: boolean;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly retry = false,
  ) {
    super(message);
  }

  body(): DrydockErrorBody {
    return { type: 'error', message: this.message, retry: this.retry };
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
export const notFound = (message: string): ApiError => new ApiError(404, message);
