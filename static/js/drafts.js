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

  // Quote numbers read grouped (180,000) when not being edited: focusing one shows the bare
  // digits to type in, leaving it groups them again, full-width digits made ASCII. Setting
  // .value fires no input event, so grouping alone never saves; the server reads both forms.
  var NUMERIC = '#quote input[inputmode="decimal"]';
  function plainNumber(text) {
    return text
      .replace(/[\uFF01-\uFF5E]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/、/g, ",").replace(/。/g, ".")
      .replace(/[\s\u00a0\u2009\u202f\u3000]/g, "");
  }
  var GROUPED = /^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$/;
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches(NUMERIC)) return;
    var text = plainNumber(el.value);
    if (!GROUPED.test(text)) return;
    // Tabbing in selects the whole text so that typing replaces it; changing .value drops
    // that selection (typing would then append to the old number), so select it again.
    var whole = el.selectionStart === 0 && el.selectionEnd === el.value.length;
    el.value = text.replace(/,/g, "");
    if (whole) el.select();
  });
  document.addEventListener("focusout", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches(NUMERIC)) return;
    var match = GROUPED.exec(plainNumber(el.value));
    if (!match) return; // left as typed: the server says what is wrong with it
    var digits = match[2].replace(/,/g, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    el.value = match[1] + digits + (match[3] || "");
  });

  // Sections move by drag and drop on their handle (the ↑/↓ buttons stay for the keyboard).
  // The list is rearranged while dragging; on drop the whole order is saved in one request,
  // and a cancelled drag (Esc, or dropped outside the list) puts everything back.
  var dragged = null;
  var before = null;

  function sectionItems(list) {
    return Array.prototype.filter.call(list.children, function (li) {
      return li.matches("li.section");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var handle = event.target.closest && event.target.closest(".drag-handle");
    if (!handle) return;
    dragged = handle.closest("li.section");
    before = sectionItems(dragged.parentNode);
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.sectionId);
    event.dataTransfer.setDragImage(dragged, 16, 16);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var over = event.target.closest && event.target.closest("li.section");
    if (!over || over.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (over === dragged) return;
    var box = over.getBoundingClientRect();
    var below = event.clientY > box.top + box.height / 2;
    over.parentNode.insertBefore(dragged, below ? over.nextSibling : over);
  });

  document.addEventListener("drop", function (event) {
    if (dragged) event.preventDefault();
  });

  document.addEventListener("dragend", function (event) {
    if (!dragged) return;
    var list = dragged.parentNode;
    var moved = sectionItems(list);
    dragged.classList.remove("dragging");
    dragged = null;
    if (event.dataTransfer.dropEffect === "none") {
      before.forEach(function (li) { list.appendChild(li); });
      return;
    }
    var ids = moved.map(function (li) { return li.dataset.sectionId; });
    var unchanged = before.every(function (li, i) { return li === moved[i]; });
    if (unchanged || !window.htmx) return;
    window.htmx.ajax("POST", list.dataset.reorderUrl, {
      source: list,
      target: "#sections",
      swap: "innerHTML",
      values: {
        order: ids.join(","),
        was: before.map(function (li) { return li.dataset.sectionId; }).join(","),
      },
    });
  });
})();
