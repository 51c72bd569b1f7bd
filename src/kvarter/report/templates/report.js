// Shows a styled info box for the area under the pointer or keyboard focus.
// Written defensively: the report must not raise an error in any browser.
(function () {
  "use strict";
  function setup(figure) {
    var box = figure.querySelector(".kv-infobox");
    if (!box) { return; }
    function fill(area) {
      var name = area.getAttribute("data-name") || "";
      var lines = (area.getAttribute("data-info") || "").split("\n");
      box.textContent = "";
      var head = document.createElement("strong");
      head.textContent = name;
      box.appendChild(head);
      for (var i = 0; i < lines.length; i++) {
        if (lines[i] === "" || lines[i] === name) { continue; }
        var row = document.createElement("div");
        row.textContent = lines[i];
        box.appendChild(row);
      }
      box.hidden = false;
    }
    function place(x, y) {
      var rect = figure.getBoundingClientRect();
      var left = x - rect.left + 14, top = y - rect.top + 14;
      var maxLeft = figure.clientWidth - box.offsetWidth - 4;
      box.style.left = Math.max(0, Math.min(left, maxLeft)) + "px";
      box.style.top = Math.max(0, top) + "px";
    }
    var areas = figure.querySelectorAll("[data-info]");
    Array.prototype.forEach.call(areas, function (area) {
      area.addEventListener("mouseenter", function (ev) { fill(area); area.classList.add("kv-active"); place(ev.clientX, ev.clientY); });
      area.addEventListener("mousemove", function (ev) { place(ev.clientX, ev.clientY); });
      area.addEventListener("focus", function () {
        fill(area); area.classList.add("kv-active");
        var r = area.getBoundingClientRect();
        place(r.left + r.width / 2, r.top + r.height / 2);
      });
      function hide() { box.hidden = true; area.classList.remove("kv-active"); }
      area.addEventListener("mouseleave", hide);
      area.addEventListener("blur", hide);
    });
  }
  function init() {
    try {
      Array.prototype.forEach.call(document.querySelectorAll(".kv-map-figure"), setup);
    } catch (err) {
      // A broken map must not break the rest of the report; the SVG titles still work.
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
// Print: a table still wider than the page after the print CSS has let its
// text wrap (many numeric columns, which never break inside a number) is
// scaled down to the page width rather than cut at the page edge.
(function () {
  "use strict";
  function fit(printing) {
    try {
      Array.prototype.forEach.call(document.querySelectorAll("table.kv-table"), function (t) {
        t.style.zoom = "";
        if (!printing) { return; }
        var room = (t.parentElement || document.body).clientWidth, need = t.scrollWidth;
        if (room > 0 && need > room) { t.style.zoom = String(Math.floor(room / need * 1000) / 1000); }
      });
    } catch (err) {
      // Printing must work without the scaling.
    }
  }
  if (window.matchMedia) {
    var mq = window.matchMedia("print");
    var onChange = function (e) { fit(e.matches); };
    if (mq.addEventListener) { mq.addEventListener("change", onChange); } else if (mq.addListener) { mq.addListener(onChange); }
  }
  window.addEventListener("beforeprint", function () { fit(true); });
  window.addEventListener("afterprint", function () { fit(false); });
})();
