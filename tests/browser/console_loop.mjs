// The editors' loop through the console in headless Chromium (Debian's, through
// playwright-core): an editor signs in, finds the student's unknown question in
// the inbox and adds a term from it with the form; a publisher signs in and
// publishes; the page follows the publish (it reloads itself) until it ends.
// Run by tests/e2e/test_publish.py, which owns the servers and asserts on the
// last line printed:
//   RESULT {...}
// Screenshots go to $ARTIFACTS; axe-core checks every page shown.
//
// Environment: CONSOLE_URL, EDITOR, PUBLISHER, PASSWORD, QUESTION, TERM_FIELDS (JSON:
// the new-term form's field -> value; lists as lines), CHROMIUM, ARTIFACTS, AXE.
import { readFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.CONSOLE_URL + "/toimitus/";
const ARTIFACTS = process.env.ARTIFACTS || "results/console";
const AXE = readFileSync(process.env.AXE || "node_modules/axe-core/axe.min.js", "utf8");
const TERM = JSON.parse(process.env.TERM_FIELDS);
const PUBLISH_MS = 900_000;
mkdirSync(ARTIFACTS, { recursive: true });

const result = { console: [], axe: {}, checks: {}, stages: [] };
const check = (name, value) => { result.checks[name] = value; };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
});
try {
  // A tablet's width: the console must work there too.
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: "fi-FI" });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") result.console.push(m.text() + " " + (m.location()?.url || ""));
  });
  page.on("pageerror", (e) => result.console.push("pageerror: " + e.message));

  async function axeRun(name) {
    await page.evaluate(AXE); // DevTools evaluation: the console's CSP stays on
    result.axe[name] = await page.evaluate(async () => {
      const r = await window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
    });
  }
  const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

  async function signIn(name) {
    await page.goto(BASE + "kirjaudu");
    await page.fill("#name", name);
    await page.fill("#password", process.env.PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click("form.login button[type=submit]")]);
    check(`signed_in_${name}`, (await page.textContent("header")).includes(name));
  }
  async function signOut() {
    await Promise.all([page.waitForNavigation(), page.click("header form.logout button")]);
  }

  // 1. The editor: the inbox, the question's group, a new term from it.
  await signIn(process.env.EDITOR);
  check("editor_menu", await page.locator("header nav").textContent());
  await page.click("header nav >> text=Saapuneet kysymykset");
  await page.waitForSelector("article.group");
  await axeRun("inbox");
  await shot("1-inbox.png");
  const group = page.locator("article.group", { has: page.locator("h3", { hasText: process.env.QUESTION }) });
  check("question_in_inbox", (await group.count()) > 0);
  await Promise.all([page.waitForNavigation(), group.first().locator("text=Uusi termi näistä kysymyksistä").click()]);
  // First a mistake: the form names the field that is wrong and keeps what was typed.
  await page.fill("#target", "Varha Juttu");
  await page.fill("#term", TERM.term);
  await Promise.all([page.waitForNavigation(), page.click("form.term button[type=submit]")]);
  check("bad_id_named", await page.locator("#target[aria-invalid=true]").count() > 0);
  check("bad_id_message", (await page.locator(".field-error").allTextContents()).join(" | "));
  check("kept_term", await page.inputValue("#term"));
  await axeRun("new_term_error");
  await shot("2-new-term-error.png");
  for (const [field, value] of Object.entries(TERM)) {
    const tag = await page.locator(`#${field}`).evaluate((el) => el.tagName);
    if (tag === "SELECT") await page.selectOption(`#${field}`, value);
    else await page.fill(`#${field}`, value);
  }
  await Promise.all([page.waitForNavigation(), page.click("form.term button[type=submit]")]);
  check("term_added", (await page.locator("main").textContent()).includes("Uusi termi lisätty"));
  await shot("3-new-term-added.png");
  await signOut();

  // 2. The publisher: Publish, then follow the page until the publish has ended.
  await signIn(process.env.PUBLISHER);
  check("publisher_menu", await page.locator("header nav").textContent());
  await page.click("header nav >> text=Julkaisu");
  await axeRun("publish_before");
  await Promise.all([page.waitForNavigation(), page.click("text=Julkaise muutokset")]);
  const started = Date.now();
  let body = "";
  for (;;) {
    try {
      body = await page.locator("main").textContent();
      const stages = await page.locator("ol.stages li").allTextContents();
      if (stages.length && stages.join("|") !== (result.stages.at(-1) || []).join("|")) {
        result.stages.push(stages);
      }
      if (!body.includes("Julkaisu on käynnissä")) break;
    } catch (e) {
      // the page reloaded itself while it was read: read again
    }
    if (Date.now() - started > PUBLISH_MS) throw new Error("the publish did not end");
    await page.waitForTimeout(1000);
  }
  check("publish_seconds", Math.round((Date.now() - started) / 1000));
  check("publish_status", (await page.locator("main .message").first().textContent()).trim());
  check("gate", await page.locator("table.gate").first().textContent());
  await axeRun("publish_done");
  await shot("4-published.png");
} finally {
  await browser.close();
}
console.log("RESULT " + JSON.stringify(result));
