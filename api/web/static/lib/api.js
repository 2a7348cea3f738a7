// Every read goes through the same /v1 endpoints as any client, with the session cookie
// (sent by the browser, readable by no script): the API applies the scope rules.

export class SignedOut extends Error {}

let onSignedOut = () => {};

export function whenSignedOut(handler) {
  onSignedOut = handler;
}

/** "/v1/x", {a: 1, b: null} → "/v1/x?a=1" (null and "" left out). */
export function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(key, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** What a problem document (RFC 9457) says, for the person reading the page: its Chinese
 * ``detail`` (``detail_en`` beside it). */
function problem(status, body) {
  const error = new Error((body && body.detail) || `HTTP ${status}`);
  error.status = status;
  error.problem = body;
  return error;
}

/** GET a JSON answer; a problem document becomes an Error carrying it. */
export async function get(path, params = {}, { signal } = {}) {
  const response = await fetch(url(path, params), { credentials: "same-origin", signal });
  if (response.status === 401) {
    onSignedOut();
    throw new SignedOut("请重新登录");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw problem(response.status, body);
  return body;
}

/** POST JSON to the ledger's own sign-in / sign-out (the browser adds Origin: CSRF check). */
export async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw problem(response.status, answer);
  return answer;
}
