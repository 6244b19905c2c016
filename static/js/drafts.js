// Proposal editor behaviour (no inline scripts: the CSP allows only files from this origin).
// Autosave itself is htmx (hx-trigger="input delay:…"); this file keeps the user informed:
// "Unsaved changes" while typing, "Saving…" while a save is in flight, a clear "Not saved"
// when the network fails, a warning before leaving with unsaved text, and Ctrl/Cmd+S.
"use strict";

(function () {
  var zh = document.documentElement.lang === "zh-CN";
  var T = zh
    ? { unsaved: "有未保存的修改", saving: "正在保存…", offline: "未保存：无法连接服务器，文字仍在编辑框中", failed: "未保存：请求失败" }
    : { unsaved: "Unsaved changes", saving: "Saving…", offline: "Not saved: server unreachable. Your text is still here.", failed: "Not saved: the request failed" };
  var dirty = new Set();

  function badgeFor(el) {
    var form = el.closest && el.closest(".section-editor");
    return form ? form.querySelector(".save-state") : null;
  }
  function setBadge(badge, cls, text) {
    if (!badge) return;
    badge.className = "save-state " + cls;
    badge.textContent = text;
  }
  function keyOf(el) {
    var holder = el.closest(".section-editor, tr.line");
    return holder ? holder.id || holder.getAttribute("hx-post") : null;
  }

  document.addEventListener("input", function (event) {
    var key = keyOf(event.target);
    if (!key) return;
    dirty.add(key);
    setBadge(badgeFor(event.target), "dirty", T.unsaved);
    var row = event.target.closest("tr.line");
    if (row) row.classList.add("is-dirty");
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (el.matches && el.matches(".section-editor")) setBadge(badgeFor(el), "saving", T.saving);
    if (el.matches && el.matches("tr.line")) el.classList.add("is-saving");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail.elt;
    if (!el.matches || !el.matches(".section-editor, tr.line")) return;
    var xhr = event.detail.xhr;
    el.classList.remove("is-saving");
    if (xhr && xhr.status === 200) {
      dirty.delete(keyOf(el));
      el.classList.remove("is-dirty");
    } else if (!xhr || xhr.status === 0) {
      setBadge(badgeFor(el), "error", T.offline);
    } else if (xhr.status >= 500 || xhr.status === 423 || xhr.status === 403) {
      setBadge(badgeFor(el), "error", T.failed + " (" + xhr.status + ")");
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Ctrl/Cmd+S saves the section being edited now instead of saving the web page.
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      var form = document.activeElement && document.activeElement.closest && document.activeElement.closest(".section-editor");
      if (form && window.htmx) {
        event.preventDefault();
        window.htmx.trigger(form, "submit");
      }
    }
  });
})();
