// @mention autocomplete: picking a person replaces the "@partial" being typed with
// "@username " in the comment box the list belongs to.
document.addEventListener("click", (event) => {
  const pick = event.target.closest(".mention-pick");
  if (!pick) return;
  const form = pick.closest("form");
  const box = form && form.querySelector("textarea[name=body]");
  if (!box) return;
  const at = box.value.lastIndexOf("@");
  if (at < 0) return;
  box.value = box.value.slice(0, at) + "@" + pick.dataset.username + " ";
  pick.closest(".people-picker").replaceChildren();
  box.focus();
});
