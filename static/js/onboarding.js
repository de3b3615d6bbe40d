// Onboarding: the count toward personal recommendations follows each saved rating, and
// "Haven't seen it" takes a card away without a reload. Without JavaScript both forms post.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-personal-at]");
  const bar = document.getElementById("onboarding-progress");
  const count = document.getElementById("onboarding-count");
  const personalAt = Number(box ? box.dataset.personalAt : 5);

  document.addEventListener("rating-saved", (event) => {
    const total = event.detail.rated_total;
    if (typeof total !== "number" || !bar) return;
    bar.value = Math.min(total, personalAt);
    count.innerHTML = total < personalAt
      ? `${total} of ${personalAt} ratings: ${personalAt} make your recommendations personal.`
      : `You have rated ${total} movies: <a href="/for-you/">your recommendations</a> are personal now.`;
  });

  for (const form of document.querySelectorAll("[data-skip-form]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch(form.getAttribute("action"), {
        method: "POST", body: new FormData(form), headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (response.ok) form.closest("li").remove();
      else form.submit();
    });
  }
});
