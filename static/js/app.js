// Page behaviour that must not live inline (the CSP allows scripts from this origin only).
"use strict";

(function () {
  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  // htmx does not swap 4xx/5xx other than 409/422 (see htmx-config in base.html): tell the
  // user instead of failing silently. The server's own error text is used when it sent one.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var box = doc.querySelector(".error-box");
      text = box ? box.textContent.replace(/\s+/g, " ").trim() : "";
    } catch (e) { text = ""; }
    toast(text || (document.documentElement.lang === "zh-CN" ? "请求失败（" + xhr.status + "）" : "Request failed (" + xhr.status + ")"));
  });
  // Price-score scenario form: a rule or bid field saves and recalculates on change; a
  // competitor row (tbody[data-competitor]) saves once, when focus leaves the row after a
  // change and every required box of it is filled, not on each of its fields.
  function scenarioForm(el) {
    return el && el.closest ? el.closest("#scenario-form") : null;
  }
  function competitorRow(el) {
    return el && el.closest ? el.closest("tbody[data-competitor]") : null;
  }
  function rowChanged(row) {
    var fields = row.querySelectorAll("input, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.tagName === "SELECT") {
        var chosen = f.options[f.selectedIndex];
        if (chosen && !chosen.defaultSelected) return true;
      } else if (f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }
  function rowFilled(row) {
    var boxes = row.querySelectorAll("input[required]");
    for (var i = 0; i < boxes.length; i++) {
      if (!boxes[i].value.trim()) return false;
    }
    return true;
  }
  function recalculate(form) {
    if (window.htmx && form.hasAttribute("hx-post")) window.htmx.trigger(form, "ps-save");
  }
  document.addEventListener("change", function (event) {
    var form = scenarioForm(event.target);
    if (form && !competitorRow(event.target)) recalculate(form);
  });
  document.addEventListener("focusout", function (event) {
    var form = scenarioForm(event.target);
    var row = competitorRow(event.target);
    if (!form || !row) return;
    if (event.relatedTarget && competitorRow(event.relatedTarget) === row) return;
    if (rowChanged(row) && rowFilled(row)) recalculate(form);
  });
  document.addEventListener("htmx:sendError", function () {
    toast(document.documentElement.lang === "zh-CN" ? "无法连接服务器，内容未保存。" : "Could not reach the server; nothing was saved.");
  });

  // Controls inside an autosaving form that are not part of what it saves (e.g. choosing a
  // rival to add) carry data-no-autosave: their change never reaches the form's trigger.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-no-autosave]")) {
      event.stopPropagation();
    }
  }, true);

  // Bid desk: "select all" ticks every bid shown (the filtered rows) for the zip, and
  // follows the single boxes (ticked / half / none).
  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target && target.closest ? target.closest("#desk-form") : null;
    if (!form) return;
    var boxes = form.querySelectorAll("input[name=opportunity]");
    var all = form.querySelector("#desk-select-all");
    if (target === all) {
      for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
    } else if (all && target.name === "opportunity") {
      var ticked = form.querySelectorAll("input[name=opportunity]:checked").length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  });
})();
