// The browser side of course_lib.widgets.BubbleView: a blurred image that shows a sharp disk where
// the viewer clicks (BubbleView, Kim et al. 2017).  Clicks are recorded in image pixels, whatever
// size the image is displayed at, with the milliseconds since Start.  Nothing leaves the page but
// the widget's own model (the kernel this notebook runs in).

function loadImage(source) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = reject;
    image.src = source;
  });
}

function button(label, title) {
  const element = document.createElement("button");
  element.textContent = label;
  element.title = title;
  element.className = "course-bubble-button";
  return element;
}

async function render({ model, el }) {
  const [sharp, blurred] = await Promise.all([loadImage(model.get("sharp")), loadImage(model.get("blurred"))]);
  const root = document.createElement("div");
  root.className = "course-bubble";
  const controls = document.createElement("div");
  const start = button("Start", "Start recording: the timer starts, click where you look");
  const stop = button("Stop", "Stop recording now");
  const status = document.createElement("span");
  status.className = "course-bubble-status";
  status.setAttribute("aria-live", "polite");
  controls.append(start, stop, status);
  const canvas = document.createElement("canvas");
  canvas.width = model.get("image_width");
  canvas.height = model.get("image_height");
  canvas.tabIndex = 0;  // keyboard: arrows move the cursor, Enter or Space reveals there
  canvas.className = "course-bubble-canvas";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "Blurred image: press Start, then click (or move with the arrow keys " +
                      "and press Enter) where you want to look");
  const context = canvas.getContext("2d");
  root.append(controls, canvas);
  el.append(root);

  let startedAt = null;
  let timer = null;
  let cursor = [canvas.width / 2, canvas.height / 2];

  function applyWidth() {
    const width = model.get("display_width");
    canvas.style.width = width > 0 ? `${width}px` : "";
  }

  function draw(bubble) {
    context.drawImage(blurred, 0, 0, canvas.width, canvas.height);
    if (bubble) {
      context.save();
      context.beginPath();
      context.arc(bubble[0], bubble[1], model.get("radius"), 0, 2 * Math.PI);
      context.clip();
      context.drawImage(sharp, 0, 0, canvas.width, canvas.height);
      context.restore();
    }
    if (model.get("state") === "recording" && document.activeElement === canvas) {
      context.strokeStyle = "rgba(255, 255, 255, 0.9)";
      context.strokeRect(cursor[0] - 6, cursor[1] - 6, 12, 12);
    }
  }

  function describe() {
    const state = model.get("state");
    const count = model.get("clicks").length;
    if (state === "recording") {
      status.textContent = ` recording: ${count} click(s); ${model.get("time_limit")} s in all`;
    } else if (state === "done") {
      status.textContent = ` done: ${count} click(s) recorded`;
    } else {
      status.textContent = ` press Start, then click where you look (${model.get("time_limit")} s)`;
    }
    start.disabled = state === "recording";
    stop.disabled = state !== "recording";
  }

  function finish() {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (model.get("state") === "recording") {
      model.set("state", "done");
      model.save_changes();
    }
    draw(null);
  }

  function reveal(x, y) {
    if (model.get("state") !== "recording") {
      return;
    }
    const elapsed = performance.now() - startedAt;
    if (elapsed > 1000 * model.get("time_limit")) {
      finish();
      return;
    }
    const point = [Math.min(Math.max(x, 0), canvas.width - 1), Math.min(Math.max(y, 0), canvas.height - 1)];
    model.set("clicks", [...model.get("clicks"), [point[0], point[1], Math.round(elapsed)]]);
    model.save_changes();
    draw(point);
  }

  start.addEventListener("click", () => {
    model.set("clicks", []);
    model.set("state", "recording");
    model.save_changes();
    startedAt = performance.now();
    timer = setTimeout(finish, 1000 * model.get("time_limit"));
    draw(null);
    canvas.focus();
  });
  stop.addEventListener("click", finish);
  canvas.addEventListener("click", (event) => {
    // client coordinates and the box are both CSS pixels: their ratio to the canvas's own size
    // gives image pixels at any display size, zoom or device pixel ratio
    const box = canvas.getBoundingClientRect();
    reveal((event.clientX - box.left) * canvas.width / box.width,
           (event.clientY - box.top) * canvas.height / box.height);
  });
  canvas.addEventListener("keydown", (event) => {
    const step = event.shiftKey ? 50 : 10;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (event.key in moves) {
      cursor = [Math.min(Math.max(cursor[0] + moves[event.key][0], 0), canvas.width - 1),
                Math.min(Math.max(cursor[1] + moves[event.key][1], 0), canvas.height - 1)];
      draw(null);
      event.preventDefault();
    } else if (event.key === "Enter" || event.key === " ") {
      reveal(cursor[0], cursor[1]);
      event.preventDefault();
    }
  });
  model.on("change:state", describe);
  model.on("change:clicks", describe);
  model.on("change:display_width", applyWidth);
  applyWidth();
  describe();
  draw(null);
  return () => {
    if (timer !== null) {
      clearTimeout(timer);
    }
  };
}

export default { render };
