// Minimal chat client for the bots' REST channel. Everything is rendered with
// textContent: nothing a user or an editor types is ever interpreted as HTML.
(function () {
  "use strict";
  var config = window.STUDYBOTS_CONFIG;
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("input");
  var bot = "tero";
  var senderKey = "studybots-sender";
  var sender = localStorage.getItem(senderKey);
  if (!sender) {
    sender = "web-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
    localStorage.setItem(senderKey, sender);
  }

  function appendText(parent, text) {
    // Turn https links into anchors, everything else stays plain text.
    text.split(/(https:\/\/[^\s]+)/g).forEach(function (part) {
      if (/^https:\/\/[^\s]+$/.test(part)) {
        var a = document.createElement("a");
        a.href = part; a.textContent = part; a.target = "_blank"; a.rel = "noopener noreferrer";
        parent.appendChild(a);
      } else if (part) {
        parent.appendChild(document.createTextNode(part));
      }
    });
  }

  function addMessage(who, text, buttons) {
    var li = document.createElement("li");
    li.className = "msg " + who;
    var p = document.createElement("p");
    appendText(p, text || "");
    li.appendChild(p);
    (buttons || []).forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button"; btn.className = "quick"; btn.textContent = b.title;
      btn.addEventListener("click", function () { send(b.payload, b.title); });
      li.appendChild(btn);
    });
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
  }

  function send(message, shown) {
    addMessage("user", shown || message);
    fetch(config.bots[bot].url + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender + "-" + bot, message: message })
    }).then(function (r) { return r.json(); }).then(function (msgs) {
      if (!Array.isArray(msgs)) { addMessage("bot", msgs.message || "Virhe."); return; }
      msgs.forEach(function (m) { addMessage("bot", m.text, m.buttons); });
    }).catch(function () {
      addMessage("bot", "Yhteys bottiin ei toimi juuri nyt. Yritä hetken päästä uudelleen.");
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (text) { send(text); input.value = ""; }
  });
  document.querySelectorAll("[data-bot]").forEach(function (tab) {
    tab.addEventListener("click", function () {
      bot = tab.getAttribute("data-bot");
      document.querySelectorAll("[data-bot]").forEach(function (t) {
        t.setAttribute("aria-selected", String(t === tab));
      });
      addMessage("bot", "Nyt puhut: " + config.bots[bot].name);
    });
  });
})();
