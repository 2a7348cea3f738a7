// The dashboard's shell: sign-in, the navigation, and a hash router (#/view?param=value)
// that gives each view its own module (views/*.js) and its own address (bookmarkable).
import { get, post, SignedOut, whenSignedOut } from "./lib/api.js";
import { disposeCharts } from "./lib/charts.js";
import { fill, h } from "./lib/dom.js";
import { lbl, setLabels } from "./lib/labels.js";

const VIEWS = [
  ["overview", "总览"],
  ["hazards", "隐患台账"],
  ["overdue", "逾期"],
  ["responsibility", "责任"],
  ["accountability", "事故追责"],
  ["findings", "研判结果"],
  ["live", "实时"],
  ["integrity", "完整性"],
];

const $ = (id) => document.getElementById(id);
const context = { me: null, navigate };
let cleanup = null;
let renderId = 0;

/** "#/hazards?state=open" → ["hazards", {state: "open"}] */
function parseHash() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const name = VIEWS.some(([v]) => v === path) ? path : "overview";
  return [name, Object.fromEntries(new URLSearchParams(query || ""))];
}

export function navigate(name, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""));
  const text = query.toString();
  location.hash = `#/${name}${text ? "?" + text : ""}`;
}

async function show() {
  if (!context.me) return;
  const [name, params] = parseHash();
  const id = ++renderId;
  if (cleanup) cleanup();
  cleanup = null;
  disposeCharts();
  for (const link of $("nav").querySelectorAll("a")) link.classList.toggle("active", link.dataset.view === name);
  const main = $("main");
  main.dataset.view = name;
  delete main.dataset.ready;
  fill(main, h("p", { class: "loading" }, "加载中…"));
  try {
    const module = await import(`./views/${name}.js`);
    if (id !== renderId) return;
    cleanup = (await module.render(main, params, context)) || null;
  } catch (error) {
    if (error instanceof SignedOut) return;
    fill(main, h("p", { class: "error", role: "alert" }, `页面出错：${error.message}`));
  }
}

function showSignIn(message) {
  context.me = null;
  if (cleanup) cleanup();
  cleanup = null;
  disposeCharts();
  $("who").hidden = true;
  $("nav").hidden = true;
  fill($("main"));
  $("sign-in").hidden = false;
  const error = $("sign-in-error");
  error.hidden = !message;
  error.textContent = message || "";
  $("login").focus();
}

async function boot() {
  try {
    const session = await get("/auth/session");
    if (!session.signed_in) {
      showSignIn();
      return;
    }
    setLabels(await get("/v1/labels"));
    context.me = session;
  } catch (error) {
    if (!(error instanceof SignedOut)) showSignIn(`无法连接台账服务：${error.message}`);
    return;
  }
  $("sign-in").hidden = true;
  $("who").hidden = false;
  $("who-name").textContent = `${context.me.name}（${context.me.role_label || lbl("account_role", context.me.role)}）`;
  $("who-scope").textContent = context.me.scope ? `辖区：${context.me.scope.name}` : `辖区：全部（${context.me.home.name}）`;
  const nav = $("nav");
  fill(nav, VIEWS.map(([view, text]) => h("a", { href: `#/${view}`, dataset: { view } }, text)));
  nav.hidden = false;
  await show();
}

async function signIn(event) {
  event.preventDefault();
  const button = $("sign-in-button");
  button.disabled = true;
  try {
    await post("/auth/sign-in", { login: $("login").value.trim(), password: $("password").value });
    $("password").value = "";
    await boot();
  } catch (error) {
    $("sign-in-error").hidden = false;
    // the problem document's Chinese detail (用户名或密码错误, 已锁定 …), else the network's error
    $("sign-in-error").textContent = error.status ? error.message : `无法连接台账服务：${error.message}`;
  } finally {
    button.disabled = false;
  }
}

async function signOut() {
  await post("/auth/sign-out").catch(() => null);
  showSignIn("已退出登录");
}

whenSignedOut(() => showSignIn(context.me ? "登录已过期，请重新登录" : null));
window.addEventListener("hashchange", show);
$("sign-in-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", signOut);
boot();
