// The body formats the server decodes: JSON (and the patch types). Protobuf, which kubectl and
// client-go send for built-in kinds, is answered 415 so the client retries with JSON.
import { ApiError } from "@testbed/apimachinery";

export function refuseProtobufBody(contentType: string | undefined): void {
  if (contentType?.toLowerCase().startsWith("application/vnd.kubernetes.protobuf")) {
    throw new ApiError(
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
    );
  }
}
