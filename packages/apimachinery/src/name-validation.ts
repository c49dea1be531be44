// Kubernetes' rules for object names, label keys and label values, with the messages of
// k8s.io/apimachinery/pkg/util/validation (IsDNS1123Subdomain, IsDNS1123Label, IsDNS1035Label,
// IsQualifiedName, IsValidLabelValue) and apimachinery/pkg/api/validation/path (IsValidPathSegmentName).

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

const whole = (pattern: string) => new RegExp(`^${pattern}$`);

function maxLength(length: number): string {
  return `must be no more than ${length} characters`;
}

export function dns1123Subdomain(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 253) problems.push(maxLength(253));
  if (!whole(DNS1123_SUBDOMAIN).test(value)) {
    problems.push(
      `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`,
    );
  }
  return problems;
}

export function dns1123Label(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push(maxLength(63));
  if (!whole(DNS1123_LABEL).test(value)) {
    problems.push(
      `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`,
    );
  }
  return problems;
}

export function dns1035Label(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push(maxLength(63));
  if (!whole(DNS1035_LABEL).test(value)) {
    problems.push(
      `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_LABEL}')`,
    );
  }
  return problems;
}

/** Namespaces are DNS-1123 labels, Services DNS-1035 labels, everything else DNS-1123 subdomains. */
export function nameProblems(kind: string, name: string): string[] {
  if (kind === "Namespace") return dns1123Label(name);
  if (kind === "Service") return dns1035Label(name);
  return dns1123Subdomain(name);
}

/** A name must be usable as a URL path segment (IsValidPathSegmentName). */
export function pathSegmentProblems(name: string): string[] {
  if (name === "." || name === "..") return [`may not be '${name}'`];
  const problems: string[] = [];
  for (const illegal of ["/", "%"]) if (name.includes(illegal)) problems.push(`may not contain '${illegal}'`);
  return problems;
}

/** A label (or annotation) key: an optional DNS subdomain prefix and `/`, then a name of ≤63 characters. */
export function qualifiedNameProblems(key: string): string[] {
  const parts = key.split("/");
  let name = key;
  const problems: string[] = [];
  if (parts.length === 2) {
    const [prefix = "", rest = ""] = parts;
    name = rest;
    if (prefix.length === 0) problems.push("prefix part must be non-empty");
    else for (const problem of dns1123Subdomain(prefix)) problems.push(`prefix part ${problem}`);
  } else if (parts.length > 2) {
    return [
      `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) return [...problems, "name part must be non-empty"];
  if (name.length > 63) problems.push(`name part ${maxLength(63)}`);
  if (!whole(QUALIFIED_NAME).test(name)) {
    problems.push(
      `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}')`,
    );
  }
  return problems;
}

export function labelValueProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push(maxLength(63));
  if (!whole(LABEL_VALUE).test(value)) {
    problems.push(
      `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE}')`,
    );
  }
  return problems;
}
