/*
 * Tero & Paavo chat widget: an embeddable chat for the bots' Socket.IO channel.
 *
 * Embed with one script tag (see README, "Embedding the chat widget"):
 *
 *   <script src="https://BOTS.EXAMPLE/static/widget/studybots-widget.js" defer
 *           data-bots="tero paavo"
 *           data-tero-url="https://tero.example" data-tero-name="Tero Termibotti"
 *           data-paavo-url="https://paavo.example" data-paavo-name="Paavo Palvelubotti"
 *           data-title="Kysy opiskelijaboteilta" data-color="#0a4d8c"></script>
 *
 * Safety: nothing a user, an editor or a bot sends is ever parsed as HTML.
 * Every text goes in with textContent / createTextNode; links are built with
 * createElement("a") and only http(s) addresses and tel: numbers (digits,
 * an optional leading +) become links. Paavo's service cards (a bot message's
 * `custom` of studybots/bot/channels/cards.py) are checked again here and
 * built the same way: strings only, link buttons only for absolute http(s)
 * addresses (anything else is dropped), never parsed as HTML.
 * Languages: Finnish, Swedish and English (data-languages, default "fi sv en").
 * The student picks one in the language switch; the widget's own texts follow
 * it, and the bots are asked to answer in it (metadata.language of each
 * message). Until the student picks, the bots detect the language of each
 * message and the widget follows the language of their replies. Each message
 * carries its language (`lang` attribute) for screen readers. Page texts per
 * language: data-title, data-title-sv, data-title-en (likewise data-launcher,
 * data-placeholder, data-open-label, data-service-link-label and
 * data-<bot>-greeting); without one, the widget's own text in that language.
 * Privacy: the conversation id and the transcript are kept in sessionStorage
 * (this tab only); "Aloita alusta" forgets them. The id is always the one the
 * bot issued in `session_confirm` (random, with the bot's tag): the widget never
 * makes one up, and the bot replaces any id it did not issue, so the widget
 * stores whatever id the bot confirms.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.StudybotsWidget) { return; }
  var data = script.dataset;
  var base = new URL(".", script.src).href;

  var UI = {
    fi: {
      title: "Kysy opiskelijaboteilta",
      launcher: "Kysy botilta",
      open: "avaa chat",
      close: "Sulje chat",
      placeholder: "Kirjoita kysymyksesi…",
      inputLabel: "Kirjoita viesti",
      send: "Lähetä",
      restart: "Aloita alusta",
      you: "Sinä",
      typing: "kirjoittaa…",
      connecting: "Yhdistetään…",
      reconnecting: "Yhteys katkesi. Yhdistetään uudelleen…",
      offline: "Ei yhteyttä. Viestisi lähtee, kun yhteys palaa.",
      slow: "Vastaus viipyy. Yritä hetken päästä uudelleen.",
      chooseBot: "Valitse botti",
      chooseLanguage: "Kieli",
      quickReplies: "Vastausvaihtoehdot",
      conversation: "Keskustelu",
      newTab: "(avautuu uuteen välilehteen)",
      services: "Palvelut",
      serviceLink: "Palvelun sivu"
    },
    sv: {
      title: "Fråga studentbottarna",
      launcher: "Fråga en bot",
      open: "öppna chatten",
      close: "Stäng chatten",
      placeholder: "Skriv din fråga…",
      inputLabel: "Skriv ett meddelande",
      send: "Skicka",
      restart: "Börja om",
      you: "Du",
      typing: "skriver…",
      connecting: "Ansluter…",
      reconnecting: "Anslutningen bröts. Ansluter igen…",
      offline: "Ingen anslutning. Ditt meddelande skickas när anslutningen är tillbaka.",
      slow: "Svaret dröjer. Försök igen om en stund.",
      chooseBot: "Välj bot",
      chooseLanguage: "Språk",
      quickReplies: "Svarsalternativ",
      conversation: "Samtal",
      newTab: "(öppnas i en ny flik)",
      services: "Tjänster",
      serviceLink: "Tjänstens sida"
    },
    en: {
      title: "Ask the student bots",
      launcher: "Ask a bot",
      open: "open chat",
      close: "Close chat",
      placeholder: "Type your question…",
      inputLabel: "Type a message",
      send: "Send",
      restart: "Start over",
      you: "You",
      typing: "is typing…",
      connecting: "Connecting…",
      reconnecting: "Connection lost. Reconnecting…",
      offline: "No connection. Your message will be sent when the connection is back.",
      slow: "The answer is taking a while. Please try again in a moment.",
      chooseBot: "Choose a bot",
      chooseLanguage: "Language",
      quickReplies: "Reply options",
      conversation: "Conversation",
      newTab: "(opens in a new tab)",
      services: "Services",
      serviceLink: "Service page"
    }
  };
  // Each language's name in itself, for the language switch.
  var LANGUAGE_NAMES = { fi: "Suomi", sv: "Svenska", en: "English" };
  // The page's own texts: data-title (Finnish), data-title-sv, data-title-en …
  var PAGE_TEXTS = {
    title: "title", launcher: "launcher", open: "openLabel",
    placeholder: "placeholder", serviceLink: "serviceLinkLabel"
  };
  function suffix(lang) { return lang === "fi" ? "" : lang.charAt(0).toUpperCase() + lang.slice(1); }
  function textsFor(lang) {
    var texts = {};
    Object.keys(UI.fi).forEach(function (key) { texts[key] = UI[lang][key]; });
    Object.keys(PAGE_TEXTS).forEach(function (key) {
      var own = data[PAGE_TEXTS[key] + suffix(lang)];
      if (own) { texts[key] = own; }
    });
    return texts;
  }

  var KEY = "studybots-widget:";
  var LANGUAGES = [];
  (data.languages || "fi sv en").split(/[\s,]+/).forEach(function (lang) {
    if (UI[lang] && LANGUAGES.indexOf(lang) < 0) { LANGUAGES.push(lang); }
  });
  if (!LANGUAGES.length) { LANGUAGES = ["fi"]; }
  function known(lang) { return typeof lang === "string" && LANGUAGES.indexOf(lang) >= 0; }
  // The student's pick (kept for this tab), else the page's language, else the first.
  var picked = known(load(KEY + "lang", null));
  var pageLang = (data.lang || document.documentElement.lang || "").slice(0, 2).toLowerCase();
  var lang = picked ? load(KEY + "lang", null) : known(pageLang) ? pageLang : LANGUAGES[0];
  var TEXTS = textsFor(lang);
  var MAX_CHARS = 2000;
  var MAX_STORED = 100;
  var REPLY_TIMEOUT_MS = 30000;

  // -- configuration ------------------------------------------------------------------
  var bots = [];
  (data.bots || data.bot || "").split(/[\s,]+/).forEach(function (id) {
    if (!/^[a-z][a-z0-9]*$/.test(id)) { return; }
    var url = safeUrl(data[id + "Url"] || data.server || "");
    if (!url) { return; }
    var greetings = {};
    LANGUAGES.forEach(function (l) { greetings[l] = data[id + "Greeting" + suffix(l)] || ""; });
    bots.push({
      id: id,
      url: url.replace(/\/+$/, ""),
      name: data[id + "Name"] || id,
      greetings: greetings
    });
  });
  if (!bots.length) {
    if (window.console) { console.warn("studybots-widget: no bot configured (data-bots, data-<bot>-url)"); }
    return;
  }

  // -- helpers ------------------------------------------------------------------------
  function safeUrl(text) {
    try {
      var url = new URL(text, document.baseURI);
      return (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
    } catch (e) { return null; }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function store(key, value) {
    try {
      if (value === null) { sessionStorage.removeItem(key); }
      else { sessionStorage.setItem(key, JSON.stringify(value)); }
    } catch (e) { /* storage full or disabled: the widget still works */ }
  }

  function load(key, fallback) {
    try {
      var value = JSON.parse(sessionStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (e) { return fallback; }
  }

  var uid = 0;
  function nextId(prefix) { uid += 1; return "sbw-" + prefix + "-" + uid; }

  // A phone link: "tel:" and 3-15 digits, an optional leading "+"; nothing else.
  function safeTel(href) {
    return /^tel:\+?[0-9]{3,15}$/.test(href) ? href : null;
  }

  // Text with links: [title](https://...), [number](tel:...) and bare http(s)
  // addresses become <a> elements; everything else stays text. tel: links only
  // in the bots' messages (`allowTel`), never in what the student typed.
  var LINK = /\[([^\]\n]{1,300})\]\(([^)\s]{1,2000})\)|(https?:\/\/[^\s<>"'`]+)/g;
  function appendRichText(parent, text, allowTel, texts) {
    var last = 0;
    var match;
    LINK.lastIndex = 0;
    while ((match = LINK.exec(text)) !== null) {
      var label = match[1], href = match[2], bare = match[3], trail = "";
      if (bare) {
        var cut = bare.match(/[.,;:!?)\]]+$/);
        if (cut) { trail = cut[0]; bare = bare.slice(0, -trail.length); }
        href = bare; label = bare;
      }
      var tel = bare || !allowTel ? null : safeTel(href);
      var url = tel || (/^https?:\/\//i.test(href) ? safeUrl(href) : null);
      if (!url) { continue; }
      if (match.index > last) { parent.appendChild(document.createTextNode(text.slice(last, match.index))); }
      var a = el("a", tel ? "sbw-link sbw-tel" : "sbw-link", label);
      a.href = url;
      if (!tel) {
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        a.appendChild(el("span", "sbw-visually-hidden", " " + texts.newTab));
      }
      parent.appendChild(a);
      if (trail) { parent.appendChild(document.createTextNode(trail)); }
      last = match.index + match[0].length;
    }
    if (last < text.length) { parent.appendChild(document.createTextNode(text.slice(last))); }
  }

  function choices(list) {
    var out = [];
    (Array.isArray(list) ? list : []).forEach(function (b) {
      if (!b || typeof b !== "object") { return; }
      var title = typeof b.title === "string" ? b.title : "";
      if (!title) { return; }
      if (typeof b.payload === "string") { out.push({ title: title, payload: b.payload }); }
      else if (typeof b.url === "string" && safeUrl(b.url)) { out.push({ title: title, url: b.url }); }
    });
    return out;
  }

  // Paavo's service cards (`custom` of a bot message, studybots/bot/channels/cards.py),
  // checked again: strings only, each within its length, at most MAX_CARDS
  // services, links only to absolute http(s) addresses. null: not cards. The
  // result has the same shape, so a stored transcript is checked the same way.
  var MAX_CARDS = 10;
  function line(value, max) {
    if (typeof value !== "string") { return ""; }
    var chars = Array.from(value.replace(/\s+/g, " ").trim());  // whole characters, emoji too
    return chars.length > max ? chars.slice(0, max - 1).join("") + "…" : chars.join("");
  }
  function cardUrl(value) {
    return typeof value === "string" && /^https?:\/\/[^\s]+$/i.test(value) ? safeUrl(value) : null;
  }
  function cardsFrom(custom) {
    if (!custom || typeof custom !== "object" || custom.studybots !== "services"
        || !Array.isArray(custom.services)) { return null; }
    var services = [];
    custom.services.forEach(function (s) {
      if (services.length >= MAX_CARDS || !s || typeof s !== "object") { return; }
      var name = line(s.name, 150);
      if (!name) { return; }
      var url = cardUrl(s.url);
      services.push({
        name: name,
        provider: line(s.provider, 150),
        summary: line(s.summary, 180),
        url: url || "",
        link_label: url ? line(s.link_label, 40) || TEXTS.serviceLink : "",
        lang: known(s.lang) ? s.lang : "",
        note: line(s.note, 80)
      });
    });
    if (!services.length) { return null; }
    var glossary = [];
    (Array.isArray(custom.glossary) ? custom.glossary : []).forEach(function (g) {
      if (glossary.length >= 3 || !g || typeof g !== "object") { return; }
      var term = line(g.term, 80), definition = line(g.definition, 180);
      if (term && definition) { glossary.push({ term: term, definition: definition }); }
    });
    return {
      studybots: "services",
      intro: line(custom.intro, 300),
      services: services,
      glossary: glossary,
      attribution: line(custom.attribution, 300)
    };
  }

  function hostOf(url) {
    try { return new URL(url).hostname.replace(/^www\./, ""); } catch (e) { return ""; }
  }

  // The cards of one answer: the intro, a card per service (name, provider,
  // one line, a link button), the glossary, the attribution once and small.
  function renderCards(parent, cards, texts) {
    if (cards.intro) { parent.appendChild(el("p", "sbw-bubble", cards.intro)); }
    var list = el("ul", "sbw-cards");
    list.setAttribute("aria-label", texts.services);
    cards.services.forEach(function (s) {
      var card = el("li", "sbw-card");
      var name = card.appendChild(el("h3", "sbw-card-name", s.name));
      if (s.provider) { card.appendChild(el("p", "sbw-card-provider", s.provider)); }
      var summary = s.summary ? card.appendChild(el("p", "sbw-card-summary", s.summary)) : null;
      // A service PTV has no translation of: its texts in their own language, and a note.
      if (s.lang) {
        name.setAttribute("lang", s.lang);
        if (summary) { summary.setAttribute("lang", s.lang); }
      }
      if (s.note) { card.appendChild(el("p", "sbw-card-note", s.note)); }
      if (s.url) {
        var row = el("p", "sbw-card-actions");
        var a = el("a", "sbw-card-link", s.link_label);
        a.href = s.url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        // The visible label first (WCAG 2.5.3), then which service, then the new tab.
        a.appendChild(el("span", "sbw-visually-hidden", ": " + s.name + " " + texts.newTab));
        row.appendChild(a);
        var host = hostOf(s.url);
        if (host) { row.appendChild(el("span", "sbw-card-host", host)); }
        card.appendChild(row);
      }
      list.appendChild(card);
    });
    parent.appendChild(list);
    if (cards.glossary.length) {
      var terms = el("dl", "sbw-glossary");
      cards.glossary.forEach(function (g) {
        var item = el("div", "sbw-glossary-item");
        item.appendChild(el("dt", null, g.term));
        item.appendChild(el("dd", null, g.definition));
        terms.appendChild(item);
      });
      parent.appendChild(terms);
    }
    if (cards.attribution) { parent.appendChild(el("p", "sbw-attribution", cards.attribution)); }
  }

  // A bot message of Rasa's Socket.IO channel as the widget stores it.
  function fromBot(message) {
    if (!message || typeof message !== "object") { return null; }
    var entry = { who: "bot", text: typeof message.text === "string" ? message.text : "" };
    var buttons = choices(message.buttons);
    var quick = choices(message.quick_replies);
    var attachment = message.attachment;
    if (attachment && attachment.payload && typeof attachment.payload.src === "string"
        && safeUrl(attachment.payload.src)) {
      entry.text += (entry.text ? "\n" : "") + attachment.payload.src;
    }
    var cards = cardsFrom(message.custom);
    if (cards) { entry.cards = cards; }
    if (buttons.length) { entry.buttons = buttons; }
    if (quick.length) { entry.quick = quick; }
    if (message.error) { entry.notice = true; }
    if (known(message.lang)) { entry.lang = message.lang; }
    if (!entry.text && !cards && !buttons.length && !quick.length) { return null; }
    return entry;
  }

  // -- the widget ---------------------------------------------------------------------
  var root = el("div", "sbw");
  root.setAttribute("lang", lang);
  if (data.color && /^#[0-9a-fA-F]{3,8}$|^[a-z]+$/.test(data.color)) {
    root.style.setProperty("--sbw-color", data.color);
  }
  if (data.colorDark && /^#[0-9a-fA-F]{3,8}$|^[a-z]+$/.test(data.colorDark)) {
    root.style.setProperty("--sbw-color-dark", data.colorDark);
  }
  var panelId = nextId("panel");
  var titleId = nextId("title");

  var launcher = el("button", "sbw-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", panelId);
  var bubble = el("span", "sbw-launcher-icon");
  bubble.setAttribute("aria-hidden", "true");
  launcher.appendChild(bubble);
  var launcherText = launcher.appendChild(el("span", "sbw-launcher-text"));
  // The accessible name starts with the visible text (WCAG 2.5.3).
  var launcherHint = launcher.appendChild(el("span", "sbw-visually-hidden"));

  var panel = el("section", "sbw-panel");
  panel.id = panelId;
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.setAttribute("aria-labelledby", titleId);

  var header = el("div", "sbw-header");
  var title = el("h2", "sbw-title");
  title.id = titleId;
  var restart = el("button", "sbw-restart");
  restart.type = "button";
  var close = el("button", "sbw-close");
  close.type = "button";
  close.appendChild(el("span", null, "×")).setAttribute("aria-hidden", "true");
  header.appendChild(title);
  header.appendChild(restart);
  header.appendChild(close);
  panel.appendChild(header);

  // The language switch: each language's name in itself, in its own language.
  var languageButtons = {};
  var languageGroup = null;
  if (LANGUAGES.length > 1) {
    languageGroup = el("div", "sbw-langs");
    languageGroup.setAttribute("role", "group");
    LANGUAGES.forEach(function (l) {
      var b = el("button", "sbw-lang", LANGUAGE_NAMES[l]);
      b.type = "button";
      b.setAttribute("lang", l);
      b.setAttribute("data-lang", l);
      b.addEventListener("click", function () { setLanguage(l, true); });
      languageGroup.appendChild(b);
      languageButtons[l] = b;
    });
    panel.appendChild(languageGroup);
  }

  var switcher = null;
  if (bots.length > 1) {
    switcher = el("div", "sbw-switch");
    switcher.setAttribute("role", "group");
    panel.appendChild(switcher);
  }

  var status = el("p", "sbw-status");
  status.setAttribute("role", "status");
  panel.appendChild(status);

  var logs = el("div", "sbw-logs");
  panel.appendChild(logs);

  var typing = el("div", "sbw-typing");
  typing.hidden = true;
  var dots = el("span", "sbw-dots");
  dots.setAttribute("aria-hidden", "true");
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  var typingText = el("span", "sbw-typing-text");
  typingText.setAttribute("aria-hidden", "true");
  typing.appendChild(dots);
  typing.appendChild(typingText);
  panel.appendChild(typing);
  // Screen readers hear "... kirjoittaa" from a live region that is always there.
  var typingLive = el("p", "sbw-visually-hidden");
  typingLive.setAttribute("aria-live", "polite");
  panel.appendChild(typingLive);

  var form = el("form", "sbw-form");
  form.setAttribute("novalidate", "");
  var inputId = nextId("input");
  var label = el("label", "sbw-visually-hidden");
  label.setAttribute("for", inputId);
  var input = el("input", "sbw-input");
  input.id = inputId;
  input.type = "text";
  input.name = "message";
  input.autocomplete = "off";
  input.maxLength = MAX_CHARS;
  var send = el("button", "sbw-send");
  send.type = "submit";
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(form);

  root.appendChild(panel);
  root.appendChild(launcher);

  // -- one conversation per bot -------------------------------------------------------
  var active = null;
  var conversations = {};

  function Conversation(bot) {
    var self = this;
    self.bot = bot;
    self.key = KEY + bot.id;
    self.sessionId = load(self.key + ":session", null);
    self.transcript = load(self.key + ":log", []);
    self.socket = null;
    self.confirmed = false;
    self.queue = [];
    self.waiting = 0;
    self.timer = null;
    self.state = "idle";

    // The scrolling region (focusable, so the keyboard can scroll it) holds the list.
    self.log = el("div", "sbw-log");
    self.log.setAttribute("role", "log");
    self.log.setAttribute("aria-live", "polite");
    self.log.setAttribute("tabindex", "0");
    self.log.hidden = true;
    self.list = el("ol", "sbw-list");
    self.log.appendChild(self.list);
    logs.appendChild(self.log);

    self.lastUser = null;  // the student's latest message and its node, for its `lang`
    if (!self.transcript.length) { self.greet(); }
    self.transcript.forEach(function (entry) { self.render(entry); });
  }

  // The bot's greeting in the widget's language (its page text, else the default language's).
  Conversation.prototype.greeting = function () {
    var greetings = this.bot.greetings;
    var text = greetings[lang] || greetings[LANGUAGES[0]] || "";
    return text ? { who: "bot", text: text, lang: greetings[lang] ? lang : LANGUAGES[0], greeting: true } : null;
  };

  Conversation.prototype.greet = function () {
    var entry = this.greeting();
    if (entry) { this.transcript.push(entry); }
  };

  // A conversation that is only its greeting is greeted again in a new language.
  Conversation.prototype.regreet = function () {
    var only = this.transcript.length === 1 && this.transcript[0].greeting;
    if (!(only || !this.transcript.length)) { return; }
    var entry = this.greeting();
    if (only && entry && entry.text === this.transcript[0].text) { return; }
    this.transcript = [];
    while (this.list.firstChild) { this.list.removeChild(this.list.firstChild); }
    if (entry) { this.add(entry); } else { this.save(); }
  };

  Conversation.prototype.save = function () {
    this.transcript = this.transcript.slice(-MAX_STORED);
    store(this.key + ":log", this.transcript);
  };

  Conversation.prototype.render = function (entry) {
    var self = this;
    var li = el("li", "sbw-msg sbw-" + (entry.who === "user" ? "user" : "bot") + (entry.notice ? " sbw-notice" : ""));
    if (known(entry.lang)) { li.setAttribute("lang", entry.lang); }
    if (entry.who === "user") { self.lastUser = { entry: entry, node: li }; }
    // The hidden words read out are in the message's language (the widget's, if unknown).
    var texts = known(entry.lang) ? textsFor(entry.lang) : TEXTS;
    li.appendChild(el("span", "sbw-visually-hidden", (entry.who === "user" ? texts.you : self.bot.name) + ": "));
    // Stored cards are checked again: sessionStorage is the page's to change.
    var cards = entry.who === "bot" ? cardsFrom(entry.cards) : null;
    if (cards) {
      li.className += " sbw-has-cards";
      renderCards(li, cards, texts);
    } else if (entry.text) {
      var bubbleText = el("p", "sbw-bubble");
      appendRichText(bubbleText, entry.text, entry.who !== "user", texts);
      li.appendChild(bubbleText);
    }
    [["buttons", "sbw-buttons"], ["quick", "sbw-quick"]].forEach(function (kind) {
      var list = entry[kind[0]];
      if (!list || !list.length) { return; }
      var group = el("div", "sbw-choices " + kind[1]);
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", texts.quickReplies);
      list.forEach(function (choice) {
        var node;
        if (choice.url) {
          node = el("a", "sbw-choice", choice.title);
          node.href = safeUrl(choice.url);
          node.target = "_blank";
          node.rel = "noopener noreferrer";
        } else {
          node = el("button", "sbw-choice", choice.title);
          node.type = "button";
          node.addEventListener("click", function () { self.send(choice.payload, choice.title); });
        }
        group.appendChild(node);
      });
      li.appendChild(group);
    });
    self.list.appendChild(li);
    self.scroll();
  };

  Conversation.prototype.scroll = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  Conversation.prototype.add = function (entry) {
    this.transcript.push(entry);
    this.save();
    this.render(entry);
  };

  // Quick replies answer the last question only: gone once the user says something.
  Conversation.prototype.dropQuickReplies = function () {
    var changed = false;
    this.transcript.forEach(function (entry) {
      if (entry.quick) { delete entry.quick; changed = true; }
    });
    var groups = this.log.querySelectorAll(".sbw-quick");
    for (var i = 0; i < groups.length; i++) { groups[i].parentNode.removeChild(groups[i]); }
    if (changed) { this.save(); }
  };

  Conversation.prototype.setState = function (state) {
    this.state = state;
    if (this === active) { showState(); }
  };

  Conversation.prototype.connect = function () {
    var self = this;
    if (self.socket) { return; }
    if (!window.io) { loadClient(function () { self.connect(); }); return; }
    self.setState("connecting");
    var socket = window.io(self.bot.url, {
      path: "/socket.io",
      transports: ["websocket"],  // each bot runs several workers: no long-polling
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000
    });
    self.socket = socket;
    socket.on("connect", function () {
      self.confirmed = false;
      socket.emit("session_request", { session_id: self.sessionId });
    });
    socket.on("session_confirm", function (sessionId) {
      if (typeof sessionId !== "string") { return; }
      self.sessionId = sessionId;
      store(self.key + ":session", sessionId);
      self.confirmed = true;
      self.setState("connected");
      var queued = self.queue;
      self.queue = [];
      queued.forEach(function (message) { self.emit(message); });
    });
    socket.on("bot_uttered", function (message) {
      var entry = fromBot(message);
      if (entry) {
        // The channel's own notices (an empty message …) say nothing of the student's language.
        if (entry.lang && !entry.notice) { self.answeredIn(entry.lang); }
        self.add(entry);
      }
      self.moveTyping();
    });
    socket.on("bot_done", function () {
      self.waiting = Math.max(0, self.waiting - 1);
      self.updateTyping();
    });
    socket.on("disconnect", function () {
      self.confirmed = false;
      self.setState("reconnecting");
    });
    socket.on("connect_error", function () {
      self.setState(self.state === "connecting" ? "connecting" : "reconnecting");
    });
  };

  // The bot answered in `reply`: the student's message was in it too (as far
  // as anyone can tell), and a widget whose language nobody picked follows it.
  Conversation.prototype.answeredIn = function (reply) {
    var last = this.lastUser;
    if (last && !last.entry.lang) {
      last.entry.lang = reply;
      last.node.setAttribute("lang", reply);
      last.node.firstChild.textContent = textsFor(reply).you + ": ";
      this.save();
    }
    if (!picked && reply !== lang) { setLanguage(reply, false); }
  };

  Conversation.prototype.emit = function (message) {
    var event = { message: message, session_id: this.sessionId };
    // Only the student's own pick is sent: otherwise the bot detects the language.
    if (picked) { event.metadata = { language: lang }; }
    this.socket.emit("user_uttered", event);
  };

  Conversation.prototype.send = function (message, shown) {
    var text = String(message).slice(0, MAX_CHARS);
    if (!text.trim()) { return; }
    this.dropQuickReplies();
    this.add({ who: "user", text: shown || text });
    this.waiting += 1;
    this.updateTyping();
    this.connect();
    if (this.confirmed) { this.emit(text); } else { this.queue.push(text); }
    if (this === active) { showState(); }
  };

  Conversation.prototype.updateTyping = function () {
    var self = this;
    clearTimeout(self.timer);
    if (self.waiting > 0) {
      self.timer = setTimeout(function () {
        if (self.confirmed && self.waiting > 0) {
          self.waiting = 0;
          self.add({ who: "bot", text: TEXTS.slow, notice: true, lang: lang });
          self.updateTyping();
        }
      }, REPLY_TIMEOUT_MS);
    }
    if (self === active) { showTyping(); }
  };

  Conversation.prototype.moveTyping = function () { this.scroll(); };

  Conversation.prototype.restart = function () {
    this.waiting = 0;
    this.queue = [];
    this.transcript = [];
    this.sessionId = null;
    store(this.key + ":session", null);
    store(this.key + ":log", null);
    while (this.list.firstChild) { this.list.removeChild(this.list.firstChild); }
    this.lastUser = null;
    var greeting = this.greeting();
    if (greeting) { this.add(greeting); }
    if (this.socket) {
      // A new session id from the server: the old conversation stays behind.
      this.confirmed = false;
      this.socket.emit("session_request", { session_id: null });
    }
    this.updateTyping();
  };

  function showTyping() {
    typing.hidden = !(active && active.waiting > 0);
    var text = typing.hidden ? "" : active.bot.name + " " + TEXTS.typing;
    if (typingText.textContent !== text) { typingText.textContent = text; typingLive.textContent = text; }
    if (!typing.hidden) { active.scroll(); }
  }

  function showState() {
    var state = active ? active.state : "idle";
    root.setAttribute("data-connection", state);
    var text = "";
    if (state === "connecting") { text = TEXTS.connecting; }
    if (state === "reconnecting") { text = active.queue.length ? TEXTS.offline : TEXTS.reconnecting; }
    if (status.textContent !== text) { status.textContent = text; }
    status.hidden = !text;
  }

  var clientCallbacks = null;
  function loadClient(callback) {
    if (clientCallbacks) { clientCallbacks.push(callback); return; }
    clientCallbacks = [callback];
    var tag = document.createElement("script");
    tag.src = new URL("../vendor/socket.io.min.js", base).href;
    tag.onload = function () { clientCallbacks.forEach(function (f) { f(); }); };
    tag.onerror = function () { status.hidden = false; status.textContent = TEXTS.reconnecting; };
    document.head.appendChild(tag);
  }

  // -- languages ----------------------------------------------------------------------
  // Every text of the widget in the current language (the messages keep their own).
  function applyTexts() {
    root.setAttribute("lang", lang);
    launcherText.textContent = TEXTS.launcher;
    launcherHint.textContent = " (" + TEXTS.open + ")";
    title.textContent = TEXTS.title;
    restart.textContent = TEXTS.restart;
    close.setAttribute("aria-label", TEXTS.close);
    if (switcher) { switcher.setAttribute("aria-label", TEXTS.chooseBot); }
    if (languageGroup) { languageGroup.setAttribute("aria-label", TEXTS.chooseLanguage); }
    Object.keys(languageButtons).forEach(function (l) {
      languageButtons[l].setAttribute("aria-pressed", String(l === lang));
    });
    label.textContent = TEXTS.inputLabel;
    input.placeholder = TEXTS.placeholder;
    send.textContent = TEXTS.send;
    Object.keys(conversations).forEach(function (id) {
      var c = conversations[id];
      c.log.setAttribute("aria-label", TEXTS.conversation + ": " + c.bot.name);
    });
    showState();
    showTyping();
  }

  // `byStudent`: the student chose it (kept for this tab, and asked of the bots).
  function setLanguage(next, byStudent) {
    if (!known(next)) { return; }
    if (byStudent) { picked = true; store(KEY + "lang", next); }
    if (next === lang && !byStudent) { return; }
    lang = next;
    TEXTS = textsFor(lang);
    Object.keys(conversations).forEach(function (id) { conversations[id].regreet(); });
    applyTexts();
    if (byStudent) { input.focus(); }
  }

  // -- switching, opening, sending ----------------------------------------------------
  var switchButtons = {};
  bots.forEach(function (bot) {
    conversations[bot.id] = new Conversation(bot);
    if (switcher) {
      var b = el("button", "sbw-switch-bot", bot.name);
      b.type = "button";
      b.setAttribute("aria-pressed", "false");
      b.setAttribute("data-bot", bot.id);
      b.addEventListener("click", function () { select(bot.id, true); });
      switcher.appendChild(b);
      switchButtons[bot.id] = b;
    }
  });

  function select(id, focusInput) {
    var conversation = conversations[id] || conversations[bots[0].id];
    active = conversation;
    bots.forEach(function (bot) {
      conversations[bot.id].log.hidden = bot.id !== conversation.bot.id;
      if (switchButtons[bot.id]) {
        switchButtons[bot.id].setAttribute("aria-pressed", String(bot.id === conversation.bot.id));
      }
    });
    root.setAttribute("data-bot", conversation.bot.id);
    store(KEY + "bot", conversation.bot.id);
    if (!panel.hidden) { conversation.connect(); }
    showState();
    showTyping();
    conversation.scroll();
    if (focusInput) { input.focus(); }
  }

  function setOpen(open, focus) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    root.classList.toggle("sbw-open", open);
    store(KEY + "open", open);
    if (open) {
      active.connect();
      active.scroll();
      if (focus) { input.focus(); }
    } else if (focus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () { setOpen(panel.hidden, true); });
  close.addEventListener("click", function () { setOpen(false, true); });
  restart.addEventListener("click", function () { active.restart(); input.focus(); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); setOpen(false, true); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { input.focus(); return; }
    input.value = "";
    active.send(text);
  });

  function start() {
    document.body.appendChild(root);
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("studybots-widget.css", base).href;
    document.head.appendChild(link);
    applyTexts();
    select(load(KEY + "bot", bots[0].id), false);
    if (load(KEY + "open", false)) { setOpen(true, false); }
  }

  window.StudybotsWidget = {
    open: function () { setOpen(true, true); },
    close: function () { setOpen(false, false); },
    select: function (id) { select(id, false); },
    language: function (l) { setLanguage(l, true); }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
