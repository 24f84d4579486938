// Reconciler console: small enhancements over server-rendered pages; everything works without this script.
(function () {
  "use strict";

  // Times are shown in UTC; the tooltip gives the reader's local time.
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d)) { t.title = "Local time: " + d.toLocaleString(); }
    });
  }

  function text(tag, value, className) {
    var cell = document.createElement(tag);
    if (className) { cell.className = className; }
    cell.textContent = value == null ? "" : String(value);
    return cell;
  }

  function badge(value) {
    var td = document.createElement("td");
    var span = text("span", value, "badge badge-" + String(value).replace(/[^a-z0-9-]/gi, ""));
    td.appendChild(span);
    return td;
  }

  function link(href, label) {
    var td = document.createElement("td");
    var a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    td.appendChild(a);
    return td;
  }

  // The queue's first page follows the feed: a conflict that opens and matches the filters is added on top.
  function liveQueue(table) {
    if (!window.EventSource || table.dataset.live !== "on") { return; }
    var status = document.getElementById("live-status");
    var body = table.querySelector("tbody");
    var added = 0;
    var f = table.dataset;
    function matches(c, item) {
      return (!f.filterKind || c.kind === f.filterKind) && (!f.filterSeverity || c.severity === f.filterSeverity)
        && (!f.filterStatus || f.filterStatus === "open") && (!f.filterFacet || c.facet === f.filterFacet)
        && (!f.filterSource || (c.sources || []).indexOf(f.filterSource) >= 0)
        && (!f.filterOperationType || item.operationType === f.filterOperationType)
        && (!f.filterOperationId || item.operationId === f.filterOperationId)
        && (!f.filterAssignee || c.assignee === f.filterAssignee)
        // A conflict that has just opened is neither overdue, acknowledged nor snoozed.
        && f.filterOverdue !== "true" && f.filterAcknowledged !== "true" && f.filterSnoozed !== "true";
    }
    var source = new EventSource("/console/feed/stream?after=end&types=ConflictOpened,ConflictResolved");
    source.addEventListener("ConflictOpened", function (e) {
      var item = JSON.parse(e.data), c = item.data;
      if (!matches(c, item)) { return; }
      var old = body.querySelector('tr[data-conflict-id="' + CSS.escape(c.conflictId) + '"]');
      if (old) { old.remove(); }
      var row = document.createElement("tr");
      row.className = "new";
      row.dataset.conflictId = c.conflictId;
      row.appendChild(link("/console/conflicts/" + encodeURIComponent(c.conflictId), c.conflictId));
      row.appendChild(badge(c.kind));
      row.appendChild(badge(c.severity));
      var st = badge("open"); st.dataset.cell = "status"; row.appendChild(st);
      row.appendChild(text("td", c.facet || ""));
      row.appendChild(text("td", (c.sources || []).join(", ")));
      row.appendChild(link("/console/operations/" + encodeURIComponent(item.operationId), item.operationId));
      var when = document.createElement("td");
      var t = document.createElement("time");
      t.setAttribute("datetime", item.time);
      t.textContent = new Date(item.time).toISOString().replace("T", " ").slice(0, 19);
      when.appendChild(t);
      row.appendChild(when);
      row.appendChild(text("td", c.assignee || ""));
      row.appendChild(text("td", c.occurrence || 1, "num"));
      body.insertBefore(row, body.firstChild);
      localTimes(row);
      added++;
      status.textContent = added + (added === 1 ? " new conflict" : " new conflicts") + " arrived; counts update on reload.";
    });
    source.addEventListener("ConflictResolved", function (e) {
      var c = JSON.parse(e.data).data;
      var cell = body.querySelector('tr[data-conflict-id="' + CSS.escape(c.conflictId) + '"] [data-cell=status]');
      if (cell) {
        var resolved = badge("resolved");
        resolved.dataset.cell = "status";
        cell.replaceWith(resolved);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    var queue = document.querySelector("table[data-live]");
    if (queue) { liveQueue(queue); }
  });
})();
