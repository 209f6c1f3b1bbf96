// The new-case form's routing assist: as the user types (debounced), fetch the suggested 小项 and lead unit
// and the likely duplicates; pre-fill the two selects until the user changes them. The human decides.
(function () {
  "use strict";
  var box = document.getElementById("routing-assist");
  var form = document.getElementById("new-case");
  if (!box || !form) { return; }
  var title = form.querySelector("[name=title]");
  var description = form.querySelector("[name=description]");
  var company = form.querySelector("[name=company]");
  var kind = form.querySelector("[name=kind]");
  var category = form.querySelector("[name=category]");
  var unit = form.querySelector("[name=lead_unit]");
  var token = form.querySelector("[name=csrfmiddlewaretoken]");
  var touched = {};
  [category, unit].forEach(function (el) {
    if (el) { el.addEventListener("change", function () { touched[el.name] = true; }); }
  });

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.ok ? r.json() : null; });
  }

  function item(text, score, reasons) {
    var li = document.createElement("li");
    li.textContent = text + "  " + score.toFixed(2) + (reasons && reasons.length ? "（" + reasons.join("、") + "）" : "");
    return li;
  }

  function choose(select, value) {
    if (!select || touched[select.name]) { return; }
    if (select.querySelector("option[value='" + value + "']")) { select.value = String(value); }
  }

  function show(s) {
    box.hidden = false;
    document.getElementById("routing-basis").textContent = s.note || "";
    var subs = document.getElementById("routing-subcategory");
    var units = document.getElementById("routing-units");
    subs.replaceChildren();
    units.replaceChildren();
    s.subcategory.forEach(function (c) { subs.appendChild(item(c.category + " / " + c.name, c.score, c.reasons)); });
    s.lead_unit.forEach(function (u) { units.appendChild(item(u.name, u.score, u.reasons)); });
    if (s.subcategory.length) { choose(category, s.subcategory[0].id); }
    if (s.lead_unit.length) { choose(unit, s.lead_unit[0].id); }
  }

  function showDuplicates(d) {
    var wrap = document.getElementById("routing-duplicates");
    var list = wrap.querySelector("ul");
    list.replaceChildren();
    (d && d.items ? d.items : []).forEach(function (x) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "/cases/" + encodeURIComponent(x.number) + "/";
      a.textContent = x.number;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" " + x.title + "（" + x.status_label + "，" + x.score.toFixed(2) + "）"));
      list.appendChild(li);
    });
    wrap.hidden = !list.children.length;
    if (list.children.length) { box.hidden = false; }
  }

  var timer = null;
  function update() {
    var t = title.value.trim();
    if (t.length < 2) { return; }
    var body = { title: t.slice(0, 200), description: description ? description.value.slice(0, 20000) : "" };
    if (company && company.value) { body.company = company.value; }
    post(box.dataset.suggestUrl, body).then(function (s) { if (s) { show(s); } }).catch(function () {});
    if (body.company) {
      body.kind = kind ? kind.value : "";
      post(box.dataset.duplicatesUrl, body).then(showDuplicates).catch(function () {});
    }
  }
  function later() { clearTimeout(timer); timer = setTimeout(update, 400); }
  [title, description].forEach(function (el) { if (el) { el.addEventListener("input", later); } });
  if (company) { company.addEventListener("change", later); }
  if (title.value) { later(); }
})();
