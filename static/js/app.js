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
})();
