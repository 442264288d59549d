/* Raktas workbench behaviour. Loaded as a file: the Content-Security-Policy allows
   no inline script. Everything here is progressive: the pages work without it. */
(function () {
  "use strict";

  function focusAutofocus(root) {
    var el = (root || document).querySelector("[data-autofocus]");
    if (el && typeof el.focus === "function") {
      el.focus();
      if (el.select && el.value) { el.select(); }
    }
  }

  /* The product combobox (WAI-ARIA combobox with a listbox popup): type to search
     (htmx fills the listbox), arrow keys move, Enter picks, Escape closes. */
  function combo(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var hidden = document.getElementById("product-id");
    if (!list || !hidden) { return; }

    function options() {
      return Array.prototype.slice.call(list.querySelectorAll('[role="option"]'));
    }
    function enabled() {
      return options().filter(function (o) { return o.getAttribute("aria-disabled") !== "true"; });
    }
    function active() { return list.querySelector(".is-active"); }
    function open() {
      var has = options().length > 0;
      list.hidden = !has;
      input.setAttribute("aria-expanded", has ? "true" : "false");
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function setActive(option) {
      options().forEach(function (o) {
        o.classList.remove("is-active");
        o.setAttribute("aria-selected", "false");
      });
      if (!option) { input.removeAttribute("aria-activedescendant"); return; }
      option.classList.add("is-active");
      option.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
    function move(step) {
      var opts = enabled();
      if (!opts.length) { return; }
      if (list.hidden) { open(); }
      var i = opts.indexOf(active());
      i = i < 0 ? (step > 0 ? 0 : opts.length - 1) : (i + step + opts.length) % opts.length;
      setActive(opts[i]);
    }
    function pick(option) {
      if (!option || option.getAttribute("aria-disabled") === "true") { return; }
      hidden.value = option.getAttribute("data-id");
      input.value = option.getAttribute("data-label");
      close();
      var qty = document.getElementById("new-quantity");
      if (qty) { qty.focus(); qty.select(); }
    }

    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
      else if (e.key === "Enter") {
        if (!list.hidden && active()) { e.preventDefault(); pick(active()); }
        else if (!hidden.value) { e.preventDefault(); if (enabled().length === 1) { pick(enabled()[0]); } }
        else { e.preventDefault(); var qty = document.getElementById("new-quantity"); if (qty) { qty.focus(); } }
      }
      else if (e.key === "Escape") { if (!list.hidden) { e.preventDefault(); close(); } }
    });
    input.addEventListener("input", function () { hidden.value = ""; });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });
    list.addEventListener("click", function (e) {
      var option = e.target.closest('[role="option"]');
      pick(option);
    });
    /* After htmx fills the listbox: show it, with the first pickable option active. */
    list.addEventListener("htmx:afterSwap", function () {
      open();
      setActive(enabled()[0] || null);
    });
  }

  function init(root) {
    var scope = root || document;
    scope.querySelectorAll('input[role="combobox"]').forEach(function (input) {
      if (!input.dataset.comboReady) { input.dataset.comboReady = "1"; combo(input); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    focusAutofocus(document.querySelector("#order-lines"));
  });
  /* htmx:load fires on each piece of swapped-in content: re-arm the combobox and
     put the focus where the server asked (the product search, or the field at fault). */
  document.addEventListener("htmx:load", function (e) {
    var target = e.target;
    if (target && target.id === "order-lines") {
      init(target);
      focusAutofocus(target);
    }
  });
})();
