/* When an article was published, kept right on a cached page: every <time data-relative> gets its
   text again from its datetime attribute now, and every minute after, by the rules the server
   used (articles/templatetags/dates.py): "net nu", "5 minuten geleden", "3 uur geleden",
   "gisteren om 14:05", "12 november" (the year only when not this year), in Europe/Brussels
   time whatever the reader's clock says. Without this script the server's text stands. */
(function () {
  "use strict";

  var MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december"];
  var BRUSSELS = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Brussels", year: "numeric", month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23"
  });

  function local(date) {
    var parts = {};
    BRUSSELS.formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
    return {year: +parts.year, month: +parts.month, day: +parts.day, time: parts.hour + ":" + parts.minute};
  }

  function dayNumber(when) {
    return Math.round(Date.UTC(when.year, when.month - 1, when.day) / 86400000);
  }

  function relative(date, now) {
    var seconds = (now.getTime() - date.getTime()) / 1000;
    if (seconds < 60) { return "net nu"; }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) { return minutes === 1 ? "1 minuut geleden" : minutes + " minuten geleden"; }
    var then = local(date), today = local(now);
    var days = dayNumber(today) - dayNumber(then);
    if (days === 0) { return Math.floor(minutes / 60) + " uur geleden"; }
    if (days === 1) { return "gisteren om " + then.time; }
    return then.day + " " + MONTHS[then.month - 1] + (then.year === today.year ? "" : " " + then.year);
  }

  if (typeof module === "object" && module.exports) {  // node, for the tests: the rules alone
    module.exports = {relative: relative};
    return;
  }

  function refresh() {
    var now = new Date();
    document.querySelectorAll("time[data-relative][datetime]").forEach(function (element) {
      var date = new Date(element.getAttribute("datetime"));
      if (isNaN(date.getTime())) { return; }
      var text = relative(date, now);
      if (element.textContent !== text) { element.textContent = text; }
    });
  }

  refresh();
  window.setInterval(refresh, 60 * 1000);
}());
