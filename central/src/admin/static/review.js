// The application page's photo tools: rotate by quarter turns and zoom, per photo. Served
// from the back office itself ('self' in the CSP); the page works without it.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-photo-action]");
  if (!button) return;
  var figure = button.closest("figure.photo");
  if (!figure) return;
  if (button.dataset.photoAction === "zoom") {
    figure.classList.toggle("zoom");
    return;
  }
  var turns = ["", "r90", "r180", "r270"];
  var now = turns.findIndex(function (t) { return t && figure.classList.contains(t); });
  if (now < 0) now = 0;
  if (turns[now]) figure.classList.remove(turns[now]);
  var next = turns[(now + 1) % 4];
  if (next) figure.classList.add(next);
});
