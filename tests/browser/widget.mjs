// Drives the chat widget's demo page in headless Chromium (Debian's, through
// playwright-core: no browser is downloaded). Run by tests/browser/test_widget.py,
// which owns the servers: when this script prints a line
//   STEP {"do": "stop", "bot": "tero"}
// pytest does it and answers "OK" on stdin. The last line is
//   RESULT {...}
// with everything the Python test asserts; screenshots go to $ARTIFACTS.
//
// Environment: WEB_URL, CHROMIUM (default /usr/bin/chromium), ARTIFACTS,
// AXE (path of axe.min.js), XSS_MARKER (an editor's definition with markup).
import { readFileSync, mkdirSync } from "node:fs";
import { createInterface } from "node:readline";
import path from "node:path";
import { chromium } from "playwright-core";

const WEB_URL = process.env.WEB_URL;
const ARTIFACTS = process.env.ARTIFACTS || "results/widget";
const AXE = readFileSync(process.env.AXE || "node_modules/axe-core/axe.min.js", "utf8");
const REPLY_MS = 60_000;
mkdirSync(ARTIFACTS, { recursive: true });

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function step(request) {
  console.log("STEP " + JSON.stringify(request));
  const answer = await lines.next();
  if (answer.done || answer.value.trim() !== "OK") {
    throw new Error(`step ${JSON.stringify(request)} failed: ${answer.value}`);
  }
}

const result = { console: [], axe: {}, checks: {} };

// What a compromised bot or catalogue could put into Paavo's service cards.
const HOSTILE_CARDS = {
  text: "FALLBACK text for channels without cards",
  quick_replies: [{ content_type: "text", title: "👍 Hyödyllinen", payload: "/feedback_up" }],
  custom: {
    studybots: "services",
    intro: '<img src="/static/x-card.png" onerror="window.__xss=21"> Nämä palvelut',
    services: [
      { name: '<img src="/static/x-card.png" onerror="window.__xss=22">Kela',
        provider: "<script>window.__xss=23</script>",
        summary: "[klikkaa](javascript:window.__xss=24) <b>lihava</b> https://evil.example",
        url: "javascript:window.__xss=25", link_label: "Avaa",
        lang: '"><img src=/static/x-card.png onerror="window.__xss=33">',
        note: '<img src="/static/x-card.png" onerror="window.__xss=34">vain suomeksi' },
      { name: "Data", provider: "", summary: "", url: "data:text/html,<script>window.__xss=26</script>",
        link_label: "x" },
      { name: "Suhteellinen", url: "/static/x-card.png", link_label: "x" },
      { name: "Välilyönti", url: " javascript:window.__xss=27", link_label: "x" },
      { name: "Kela OK", provider: "Kela", summary: "Tukia.", url: "https://www.kela.fi/tuet",
        link_label: '<b onclick="window.__xss=28">Sivu</b>' },
      { name: 7, url: "https://evil.example/no-name" },
      "merkkijono", null, 5, [],
      ...Array.from({ length: 12 }, (_, i) => ({
        name: `Palvelu ${i}`, provider: "Turku", summary: "Lause.", url: `https://www.turku.fi/${i}` })),
    ],
    glossary: [{ term: "<i>Kela</i>", definition: "<script>window.__xss=29</script>" }, "x", null],
    attribution: '<a href="javascript:window.__xss=30">lähde</a>',
  },
};
const check = (name, value) => { result.checks[name] = value; };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "fi-FI" });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") {
      result.console.push(m.text() + (m.location()?.url ? " (" + m.location().url + ")" : ""));
    }
  });
  page.on("pageerror", (e) => result.console.push("pageerror: " + e.message));
  // Any attempt to load an image (the <img onerror> test) is recorded.
  const requested = [];
  page.on("request", (r) => requested.push(r.url()));

  const bots = () => page.locator(".sbw-log:not([hidden]) .sbw-msg.sbw-bot");
  const users = () => page.locator(".sbw-log:not([hidden]) .sbw-msg.sbw-user");
  async function ask(text) {
    const before = await bots().count();
    const input = page.locator(".sbw-input");
    await input.fill(text);
    await input.press("Enter");
    await page.waitForFunction((n) => document.querySelectorAll(
      ".sbw-log:not([hidden]) .sbw-msg.sbw-bot").length > n, before, { timeout: REPLY_MS });
    await page.waitForSelector(".sbw-typing", { state: "hidden", timeout: REPLY_MS });
    const all = await bots().allTextContents();
    return all.slice(before).join("\n");
  }
  async function axeRun(name, on = page) {
    await on.evaluate(AXE);  // DevTools evaluation: the page's CSP stays on
    const found = await on.evaluate(async () => {
      const r = await window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
    });
    result.axe[name] = found;
  }
  const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, name) });
  // The log scrolled to the start of the last answer with cards (scrollIntoView
  // would scroll the fixed panel too).
  const showCardsFromTheTop = () => page.evaluate(() => {
    const msg = [...document.querySelectorAll(".sbw-log:not([hidden]) .sbw-has-cards")].at(-1);
    const log = msg.closest(".sbw-log");
    log.scrollTop = msg.offsetTop - log.offsetTop;
  });
  // The service cards of the last bot message that has them.
  const cardsOf = () => page.evaluate(() => {
    const msgs = [...document.querySelectorAll(".sbw-log:not([hidden]) .sbw-msg.sbw-bot")];
    const msg = msgs.filter((m) => m.querySelector(".sbw-card")).at(-1);
    if (!msg) return null;
    return {
      bubbles: [...msg.querySelectorAll(".sbw-bubble")].map((b) => b.textContent),
      cards: [...msg.querySelectorAll(".sbw-card")].map((c) => {
        const a = c.querySelector("a");
        return {
          name: c.querySelector(".sbw-card-name")?.textContent,
          provider: c.querySelector(".sbw-card-provider")?.textContent ?? "",
          summary: c.querySelector(".sbw-card-summary")?.textContent ?? "",
          links: c.querySelectorAll("a").length,
          href: a?.getAttribute("href") ?? null,
          label: a?.firstChild?.textContent ?? null,
          name_of_link: a?.textContent ?? null,
          target: a?.target ?? null,
          rel: a?.rel ?? null,
          host: c.querySelector(".sbw-card-host")?.textContent ?? null,
        };
      }),
      glossary: [...msg.querySelectorAll(".sbw-glossary dt")].map((d) => d.textContent),
      attribution: [...msg.querySelectorAll(".sbw-attribution")].map((p) => ({
        text: p.textContent, fontSize: parseFloat(getComputedStyle(p).fontSize) })),
      quick: [...msg.querySelectorAll(".sbw-quick .sbw-choice")].map((b) => b.textContent),
      bodyFontSize: parseFloat(getComputedStyle(msg.querySelector(".sbw-card-summary") || msg).fontSize),
    };
  });

  // -- the page and the launcher, keyboard only ----------------------------------------
  await page.goto(WEB_URL, { waitUntil: "load" });
  await page.waitForSelector(".sbw-launcher");
  check("site_heading", await page.locator("h1").textContent());
  await axeRun("closed");
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.classList.contains("sbw-launcher"));
  }
  check("launcher_reached_by_tab", reached);
  check("launcher_label", await page.locator(".sbw-launcher").textContent());
  await page.keyboard.press("Enter");
  await page.waitForSelector(".sbw-panel", { state: "visible" });
  check("input_focused_on_open", await page.evaluate(() =>
    document.activeElement?.classList.contains("sbw-input")));
  check("dialog_label", await page.evaluate(() => {
    const p = document.querySelector(".sbw-panel");
    return p.getAttribute("role") + ":" + document.getElementById(p.getAttribute("aria-labelledby")).textContent;
  }));
  await page.waitForFunction(() => document.querySelector(".sbw")?.dataset.connection === "connected",
    null, { timeout: 20_000 });

  // -- Tero: a question, the typing indicator, links, a button --------------------------
  await page.evaluate(() => {
    window.__typingSeen = false;
    const t = document.querySelector(".sbw-typing");
    new MutationObserver(() => { if (!t.hidden) window.__typingSeen = true; })
      .observe(t, { attributes: true, attributeFilter: ["hidden"] });
  });
  await page.keyboard.type("mikä on kela");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll(
    ".sbw-log:not([hidden]) .sbw-msg.sbw-bot").length > 1, null, { timeout: REPLY_MS });
  await page.waitForSelector(".sbw-typing", { state: "hidden", timeout: REPLY_MS });
  check("typing_indicator_shown", await page.evaluate(() => window.__typingSeen));
  check("tero_reply", (await bots().allTextContents()).join("\n"));
  check("tero_links", await page.$$eval(".sbw-log:not([hidden]) a.sbw-link", (as) =>
    as.map((a) => ({ href: a.href, target: a.target, rel: a.rel }))));
  const quick = page.locator(".sbw-log:not([hidden]) .sbw-quick .sbw-choice");
  check("quick_replies", await quick.allTextContents());
  await shot("widget-desktop.png");
  await axeRun("open_tero");

  // The button by keyboard: focus it and press Enter.
  const before = await bots().count();
  await quick.first().focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction((n) => document.querySelectorAll(
    ".sbw-log:not([hidden]) .sbw-msg.sbw-bot").length > n, before, { timeout: REPLY_MS });
  await page.waitForSelector(".sbw-typing", { state: "hidden", timeout: REPLY_MS });
  check("after_button_user", (await users().allTextContents()).at(-1));
  check("after_button_reply", (await bots().allTextContents()).slice(before).join("\n"));
  check("quick_replies_left_after_button", await page.locator(
    ".sbw-log:not([hidden]) .sbw-msg:not(:last-child) .sbw-quick").count());

  // -- nothing typed is rendered as HTML ------------------------------------------------
  const attacks = ['<img src="/static/x-user.png" onerror="window.__xss=1">',
                   "<script>window.__xss=2</script>"];
  for (const attack of attacks) await ask(attack);
  check("xss_user_texts", (await users().allTextContents()).slice(-2));
  check("editor_markup_reply", await ask("mikä on verokortti"));
  check("xss", await page.evaluate(() => ({
    flag: window.__xss ?? null,
    images: document.querySelectorAll(".sbw img").length,
    scripts: document.querySelectorAll(".sbw script").length,
    links: [...document.querySelectorAll(".sbw a")].map((a) => a.getAttribute("href")),
  })));
  check("image_requests", requested.filter((u) => u.includes("x-user.png") || u.includes("x-editor.png")));

  // -- Paavo ----------------------------------------------------------------------------
  await page.locator('.sbw-switch-bot[data-bot="paavo"]').click();
  check("paavo_pressed", await page.locator('.sbw-switch-bot[data-bot="paavo"]').getAttribute("aria-pressed"));
  await page.waitForFunction(() => document.querySelector(".sbw")?.dataset.connection === "connected",
    null, { timeout: 20_000 });
  const paavoBefore = await bots().count();
  check("paavo_reply", await ask("tarvitsen asunnon turusta"));
  check("paavo_messages", (await bots().count()) - paavoBefore);
  check("paavo_cards", await cardsOf());
  // PTV services: the attribution once, small, under the cards.
  check("paavo_ptv_reply", await ask("mistä saan verokortin"));
  check("paavo_ptv_cards", await cardsOf());
  await shot("widget-paavo-desktop.png");
  await showCardsFromTheTop();
  await shot("widget-paavo-desktop-top.png");
  await axeRun("open_paavo");
  await page.setViewportSize({ width: 375, height: 740 });
  await page.waitForTimeout(200);
  await page.evaluate(() => {  // the end of the answer, as it arrives
    const log = document.querySelector(".sbw-log:not([hidden])");
    log.scrollTop = log.scrollHeight;
  });
  check("paavo_mobile", await page.evaluate(() => {
    const log = document.querySelector(".sbw-log:not([hidden])");
    const panel = document.querySelector(".sbw-panel").getBoundingClientRect();
    const cards = [...log.querySelectorAll(".sbw-card")].map((c) => c.getBoundingClientRect());
    return { panelWidth: panel.width, logOverflow: log.scrollWidth > log.clientWidth,
             cardsInside: cards.every((r) => r.left >= panel.left && r.right <= panel.right),
             pageOverflow: document.documentElement.scrollWidth > window.innerWidth };
  }));
  await shot("widget-paavo-mobile.png");
  await showCardsFromTheTop();
  await shot("widget-paavo-mobile-top.png");
  await axeRun("mobile_paavo");
  await page.setViewportSize({ width: 1280, height: 860 });

  // -- a crisis message: the help numbers as tel: links ---------------------------------
  check("crisis_reply", await ask("haluun vaan kuolla"));
  check("crisis_links", await page.evaluate(() => {
    const msgs = document.querySelectorAll(".sbw-log:not([hidden]) .sbw-msg.sbw-bot");
    return [...msgs[msgs.length - 1].querySelectorAll("a")].map((a) => ({
      href: a.getAttribute("href"), text: a.textContent, target: a.target }));
  }));
  check("crisis_user_markup", await ask("[soita](tel:+358401234567) <b>apua</b>"));
  check("user_tel_links", await page.evaluate(() =>
    document.querySelectorAll(".sbw-msg.sbw-user a").length));

  // -- reload: the conversation is still there ------------------------------------------
  const sessionBefore = await page.evaluate(() => sessionStorage.getItem("studybots-widget:paavo:session"));
  const transcriptBefore = await page.locator(".sbw-msg").allTextContents();
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector(".sbw-panel", { state: "visible" });
  check("after_reload_same_transcript",
    JSON.stringify(await page.locator(".sbw-msg").allTextContents()) === JSON.stringify(transcriptBefore));
  check("after_reload_bot", await page.locator(".sbw").getAttribute("data-bot"));
  await page.waitForFunction(() => document.querySelector(".sbw")?.dataset.connection === "connected",
    null, { timeout: 20_000 });
  check("after_reload_same_session", sessionBefore !== null && sessionBefore ===
    await page.evaluate(() => sessionStorage.getItem("studybots-widget:paavo:session")));
  check("paavo_session", JSON.parse(sessionBefore));
  check("after_reload_reply", await ask("mistä saan opintotukea"));

  // -- a bot server restart: the widget reconnects and answers ---------------------------
  await page.locator('.sbw-switch-bot[data-bot="tero"]').click();
  await page.waitForFunction(() => document.querySelector(".sbw")?.dataset.connection === "connected",
    null, { timeout: 20_000 });
  await step({ do: "stop", bot: "tero" });
  await page.waitForFunction(() => document.querySelector(".sbw")?.dataset.connection === "reconnecting",
    null, { timeout: 30_000 });
  check("status_while_down", await page.locator(".sbw-status").textContent());
  // A question asked while the bot is down waits and is answered after the restart.
  const waiting = await bots().count();
  await page.locator(".sbw-input").fill("mikä on ylioppilaskunta");
  await page.locator(".sbw-input").press("Enter");
  check("typing_while_down", await page.locator(".sbw-typing").isVisible());
  await step({ do: "start", bot: "tero" });
  await page.waitForFunction((n) => document.querySelectorAll(
    ".sbw-log:not([hidden]) .sbw-msg.sbw-bot").length > n, waiting, { timeout: 120_000 });
  await page.waitForSelector(".sbw-typing", { state: "hidden", timeout: REPLY_MS });
  check("after_restart_reply", (await bots().allTextContents()).slice(waiting).join("\n"));
  check("after_restart_state", await page.locator(".sbw").getAttribute("data-connection"));
  check("after_restart_next", await ask("mikä on föli"));

  // -- mobile width ---------------------------------------------------------------------
  await page.setViewportSize({ width: 375, height: 740 });
  await page.waitForTimeout(200);
  check("mobile", await page.evaluate(() => {
    const r = document.querySelector(".sbw-panel").getBoundingClientRect();
    const input = document.querySelector(".sbw-input").getBoundingClientRect();
    return { panelWidth: r.width, panelLeft: r.left, inputVisible: input.bottom <= window.innerHeight,
             overflow: document.documentElement.scrollWidth > window.innerWidth };
  }));
  await shot("widget-mobile.png");
  await axeRun("mobile");

  // -- Escape closes and gives the focus back --------------------------------------------
  await page.locator(".sbw-input").focus();
  await page.keyboard.press("Escape");
  check("escape_closes", await page.locator(".sbw-panel").isHidden());
  check("focus_back_on_launcher", await page.evaluate(() =>
    document.activeElement?.classList.contains("sbw-launcher")));
  await shot("widget-mobile-closed.png");

  // -- a session id the page made up is replaced by one the bot issues --------------------
  await page.evaluate(() => sessionStorage.setItem("studybots-widget:tero:session",
    JSON.stringify("a1b2c3d4e5f6a7b8")));
  await page.reload({ waitUntil: "load" });
  if (await page.locator(".sbw-panel").isHidden()) { await page.locator(".sbw-launcher").click(); }
  await page.locator('.sbw-switch-bot[data-bot="tero"]').click();
  await page.waitForFunction(() => document.querySelector(".sbw")?.dataset.connection === "connected",
    null, { timeout: 20_000 });
  check("chosen_session_replaced_by", await page.evaluate(() =>
    JSON.parse(sessionStorage.getItem("studybots-widget:tero:session"))));
  check("after_chosen_session_reply", await ask("mikä on kela"));

  // -- languages: the switch, the widget's texts, the bots' replies, `lang` --------------
  // A new tab: nothing picked yet, the page is in Finnish.
  const langContext = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "fi-FI" });
  const lp = await langContext.newPage();
  lp.on("pageerror", (e) => result.console.push("pageerror (languages): " + e.message));
  const askIn = async (text) => {
    const selector = ".sbw-log:not([hidden]) .sbw-msg.sbw-bot";
    const before = await lp.locator(selector).count();
    await lp.locator(".sbw-input").fill(text);
    await lp.locator(".sbw-input").press("Enter");
    await lp.waitForFunction(([s, n]) => document.querySelectorAll(s).length > n, [selector, before],
      { timeout: REPLY_MS });
    await lp.waitForSelector(".sbw-typing", { state: "hidden", timeout: REPLY_MS });
    return lp.evaluate(([s, n]) => {
      const msgs = [...document.querySelectorAll(s)].slice(n);
      const users = document.querySelectorAll(".sbw-log:not([hidden]) .sbw-msg.sbw-user");
      return { text: msgs.map((m) => m.textContent).join("\n"), langs: msgs.map((m) => m.lang),
               userLang: users[users.length - 1]?.lang ?? null };
    }, [selector, before]);
  };
  const widgetTexts = () => lp.evaluate(() => ({
    lang: document.querySelector(".sbw").lang,
    title: document.querySelector(".sbw-title").textContent,
    launcher: document.querySelector(".sbw-launcher").textContent,
    placeholder: document.querySelector(".sbw-input").placeholder,
    send: document.querySelector(".sbw-send").textContent,
    restart: document.querySelector(".sbw-restart").textContent,
    close: document.querySelector(".sbw-close").getAttribute("aria-label"),
    languages: document.querySelector(".sbw-langs").getAttribute("aria-label"),
    pressed: [...document.querySelectorAll(".sbw-lang")].filter((b) =>
      b.getAttribute("aria-pressed") === "true").map((b) => b.dataset.lang),
    greeting: document.querySelector(".sbw-log:not([hidden]) .sbw-msg.sbw-bot")?.textContent ?? null,
    greetingLang: document.querySelector(".sbw-log:not([hidden]) .sbw-msg.sbw-bot")?.lang ?? null,
  }));
  const connected = () => lp.waitForFunction(() =>
    document.querySelector(".sbw")?.dataset.connection === "connected", null, { timeout: 20_000 });
  await lp.goto(WEB_URL, { waitUntil: "load" });
  await lp.locator(".sbw-launcher").click();
  await connected();
  const langs = {};
  langs.switch = await lp.$$eval(".sbw-lang", (bs) =>
    bs.map((b) => ({ text: b.textContent, lang: b.lang, pressed: b.getAttribute("aria-pressed") })));
  langs.start = await widgetTexts();
  // Nobody picked: the bot detects English, and the widget follows its reply.
  langs.unpicked_reply = await askIn("what is kela");
  langs.unpicked_after = await widgetTexts();
  // The student picks Swedish: the widget's texts, and every answer, in Swedish.
  await lp.locator('.sbw-lang[data-lang="sv"]').click();
  langs.sv = await widgetTexts();
  langs.sv_reply = await askIn("kela");
  await lp.locator('.sbw-switch-bot[data-bot="paavo"]').click();
  await connected();
  langs.sv_paavo = await widgetTexts();  // its greeting, untouched so far, is now Swedish
  langs.sv_paavo_reply = await askIn("asunto");
  await lp.screenshot({ path: path.join(ARTIFACTS, "widget-swedish.png") });
  await axeRun("swedish", lp);
  await lp.reload({ waitUntil: "load" });
  await lp.waitForSelector(".sbw-panel", { state: "visible" });
  langs.sv_after_reload = await widgetTexts();
  // English, picked: even a Finnish question is answered in English.
  await lp.locator('.sbw-lang[data-lang="en"]').click();
  await lp.locator('.sbw-switch-bot[data-bot="tero"]').click();
  await connected();
  langs.en = await widgetTexts();
  langs.en_reply = await askIn("mikä on kela");
  await lp.screenshot({ path: path.join(ARTIFACTS, "widget-english.png") });
  check("languages", langs);
  await langContext.close();

  // -- service cards with hostile content, from a stand-in Socket.IO server ---------------
  // The page gets a fake `io` before the widget loads, which answers any message
  // with HOSTILE_CARDS: whatever a compromised bot or catalogue could send.
  const fake = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "fi-FI" });
  const hostile = await fake.newPage();
  hostile.on("pageerror", (e) => result.console.push("pageerror (cards): " + e.message));
  const cardRequests = [];
  hostile.on("request", (r) => cardRequests.push(r.url()));
  await hostile.addInitScript((reply) => {
    window.io = function () {
      const handlers = {};
      const fire = (event, data) => setTimeout(() => handlers[event] && handlers[event](data), 5);
      const socket = {
        on(event, fn) { handlers[event] = fn; return socket; },
        emit(event) {
          if (event === "session_request") fire("session_confirm", "fake-session");
          if (event === "user_uttered") { fire("bot_uttered", reply); setTimeout(() => fire("bot_done", {}), 20); }
        },
      };
      fire("connect");
      return socket;
    };
  }, HOSTILE_CARDS);
  await hostile.goto(WEB_URL, { waitUntil: "load" });
  await hostile.locator(".sbw-launcher").click();
  await hostile.locator('.sbw-switch-bot[data-bot="paavo"]').click();
  await hostile.locator(".sbw-input").fill("näytä palvelut");
  await hostile.locator(".sbw-input").press("Enter");
  await hostile.waitForSelector(".sbw-log:not([hidden]) .sbw-card", { timeout: REPLY_MS });
  const inspect = () => hostile.evaluate(() => {
    const msg = document.querySelector(".sbw-log:not([hidden]) .sbw-has-cards");
    return {
      flag: window.__xss ?? null,
      images: document.querySelectorAll(".sbw img").length,
      scripts: document.querySelectorAll(".sbw script").length,
      elements: [...new Set([...msg.querySelectorAll("*")].map((e) => e.tagName.toLowerCase()))].sort(),
      links: [...document.querySelectorAll(".sbw a")].map((a) => a.getAttribute("href")),
      cards: [...msg.querySelectorAll(".sbw-card")].map((c) => ({
        name: c.querySelector(".sbw-card-name").textContent,
        provider: c.querySelector(".sbw-card-provider")?.textContent ?? "",
        summary: c.querySelector(".sbw-card-summary")?.textContent ?? "",
        label: c.querySelector("a")?.firstChild?.textContent ?? null,
      })),
      intro: msg.querySelector(".sbw-bubble")?.textContent ?? null,
      glossary: [...msg.querySelectorAll(".sbw-glossary div")].map((d) => d.textContent),
      attribution: msg.querySelector(".sbw-attribution")?.textContent ?? null,
      fallbackShown: msg.textContent.includes("FALLBACK"),
    };
  });
  check("hostile_cards", await inspect());
  // The transcript in sessionStorage is checked again when it is drawn after a reload.
  await hostile.evaluate(() => {
    const key = "studybots-widget:paavo:log";
    const log = JSON.parse(sessionStorage.getItem(key));
    const entry = log.find((e) => e.cards);
    entry.cards.services[0].url = "javascript:window.__xss=31";
    entry.cards.services[1].name = '<img src="/static/x-card.png" onerror="window.__xss=32">';
    entry.cards.services.push({ name: "Lisätty", url: "vbscript:x", link_label: "<b>x</b>" });
    sessionStorage.setItem(key, JSON.stringify(log));
  });
  await hostile.reload({ waitUntil: "load" });
  await hostile.waitForSelector(".sbw-log:not([hidden]) .sbw-card", { timeout: REPLY_MS });
  check("hostile_cards_after_reload", await inspect());
  check("card_image_requests", cardRequests.filter((u) => u.includes("x-card.png")));
  await fake.close();
} finally {
  await browser.close();
}
console.log("RESULT " + JSON.stringify(result));
process.exit(0);
