// Progressive enhancement for the rating form: choosing a star saves at once, without a reload.
// Without JavaScript the same form posts and the page reloads.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("[data-rating-form]")) {
    const status = form.querySelector("[data-rating-status]");
    const removeButton = form.querySelector("[data-remove]");
    const saveButton = form.querySelector("[data-save]");
    const average = document.getElementById("average");
    // Not form.action: the buttons named "action" shadow that property.
    const url = form.getAttribute("action");
    if (saveButton) saveButton.hidden = true;

    async function send(action, value) {
      const body = new FormData(form);
      body.set("action", action);
      if (value !== undefined) body.set("rating", value);
      status.textContent = "Saving…";
      try {
        const response = await fetch(url, {
          method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin",
        });
        const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
        const data = isJson ? await response.json() : {};
        if (!response.ok || !isJson) throw new Error(data.error || "Could not save your rating: reload the page and try again.");
        status.textContent = data.rating === null ? "Not rated yet." : `You rated this ${data.rating} stars.`;
        form.dispatchEvent(new CustomEvent("rating-saved", { bubbles: true, detail: data }));
        removeButton.hidden = data.rating === null;
        if (data.rating === null) for (const input of form.querySelectorAll("input[name=rating]")) input.checked = false;
        if (average) average.textContent = data.rating_count
          ? `★ ${data.rating_mean.toFixed(2)} from ${data.rating_count} rating${data.rating_count === 1 ? "" : "s"}`
          : "Not rated yet";
      } catch (error) {
        status.textContent = error.message;
      }
    }

    // A click or tap is a deliberate choice: saved at once. Arrow keys walk through the stars, so a
    // keyboard choice is saved when the person stops (KEYBOARD_PAUSE_MS), presses Enter or leaves
    // the stars: 0.5 -> 1.5 with the arrows writes one rating, not two.
    const KEYBOARD_PAUSE_MS = 1200;
    let pending = null;
    let lastKeyAt = 0;
    function flush() {
      if (!pending) return;
      clearTimeout(pending.timer);
      const value = pending.value;
      pending = null;
      send("rate", value);
    }
    form.addEventListener("keydown", (event) => {
      if (event.target.name !== "rating") return;
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); flush(); return; }
      lastKeyAt = Date.now();
    });
    form.addEventListener("focusout", (event) => {
      if (!form.contains(event.relatedTarget)) flush();
    });
    form.addEventListener("change", (event) => {
      if (event.target.name !== "rating") return;
      if (Date.now() - lastKeyAt > 500) { pending = null; send("rate", event.target.value); return; }
      if (pending) clearTimeout(pending.timer);
      pending = { value: event.target.value, timer: setTimeout(flush, KEYBOARD_PAUSE_MS) };
      status.textContent = `${event.target.value} stars: press Enter to save, or wait a moment.`;
    });
    removeButton.addEventListener("click", (event) => { event.preventDefault(); send("remove"); });
  }
});
