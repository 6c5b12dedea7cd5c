/* The newsroom's "support us" widget for article pages. No dependencies; load it with
   `async` so it never holds up the article:
     <div data-patronage-widget><a href="https://SITE/support/">Support us</a></div>
     <script async src="https://SITE/static/billing/embed.js"></script>
   Optional attributes on the div: data-lang ("en", "uk"; default: the page's lang),
   data-currency ("eur", "usd", "gbp"; default: from the reader's browser). The article's
   address (without query or fragment, or its rel=canonical) is passed on, so staff see which
   stories bring patrons. Without JavaScript the link inside the div stays. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.URL || !window.postMessage) return;
  var origin = new URL(script.src).origin;
  var frames = [];

  function articleUrl() {
    var canonical = document.querySelector('link[rel="canonical"]');
    if (canonical && canonical.href) return canonical.href;
    return location.origin + location.pathname;
  }

  function mount(slot) {
    if (slot.getAttribute("data-patronage-mounted")) return;
    slot.setAttribute("data-patronage-mounted", "1");
    var params = new URLSearchParams();
    var lang = slot.getAttribute("data-lang") || (document.documentElement.lang || "").slice(0, 2);
    if (lang) params.set("lang", lang);
    var currency = slot.getAttribute("data-currency");
    if (currency) params.set("currency", currency);
    params.set("source_url", articleUrl());
    var frame = document.createElement("iframe");
    var link = slot.querySelector("a");
    frame.src = origin + "/embed/support/?" + params.toString();
    frame.title = (link && link.textContent.trim()) || "Support us";
    frame.loading = "lazy";
    frame.style.cssText = "display:block;width:100%;height:22rem;border:0;overflow:hidden";
    slot.replaceChildren(frame);
    frames.push(frame);
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.patronage !== "height") return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.min(Math.max(+data.height || 0, 120), 2000) + "px";
      }
    }
  });

  function start() {
    document.querySelectorAll("[data-patronage-widget]").forEach(mount);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
