// Inside the widget's frame: tell the article page how tall the widget is, so the frame
// fits it without a scroll bar. Only a number leaves the frame.
(function () {
  "use strict";
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last && window.parent !== window) {
      last = height;
      window.parent.postMessage({ patronage: "height", height: height }, "*");
    }
  }
  if (document.readyState === "complete") send(); else window.addEventListener("load", send);
  window.addEventListener("resize", send);
})();
