// ModelArts-style failures: `{is_success: false, error_code, error_message}` with a real HTTP
// status. The codes are the documented ModelArts ones.

export interface ModelArtsErrorBody {
  is_success: false;
  error_code: string;
  error_message: string;
}

export class ModelArtsError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = "ModelArtsError";
  }

  toBody(): ModelArtsErrorBody {
    return { is_success: false, error_code: this.errorCode, error_message: this.message };
  }
}

export const modelArtsErrors = {
  invalidParameter: (message: string) => new ModelArtsError(400, "ModelArts.0101", message),
  notFound: (what: string) => new ModelArtsError(404, "ModelArts.0102", `The resource does not exist: ${what}.`),
  duplicateName: (name: string) =>
    new ModelArtsError(409, "ModelArts.0103", `Duplicate names: a training job named ${name} exists.`),
  notAllowed: () => new ModelArtsError(403, "ModelArts.0105", "The operation is not allowed."),
  quotaExceeded: (limit: number) =>
    new ModelArtsError(400, "ModelArts.0106", `The maximum number of created resources (${limit}) has been exceeded.`),
  tokenMissing: () => new ModelArtsError(401, "ModelArts.4101", "Token header cannot be empty."),
  tokenInvalid: () => new ModelArtsError(401, "ModelArts.0203", "Invalid token."),
  internal: () => new ModelArtsError(500, "ModelArts.0010", "Internal service error."),
};
