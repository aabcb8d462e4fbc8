// 登录表单在后台提交（issue #16 目标 1b）：服务器照常核对密码、设置 HttpOnly 会话 Cookie，本页不整页重新载入，
// 而是让本页的 Streamlit 会话重跑一次，取服务器为它留下的登录（dashboard/ui/handoff.py）。
// 任何意外（脚本出错、网络、另一进程）都退回原来的做法：普通表单提交或重新载入页面。
(function () {
  if (window.dashboardLogin) return;
  window.dashboardLogin = true;
  document.addEventListener("submit", async function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form.dash-login")) return;
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    let reply;
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
        headers: {"X-Dashboard-Login": "in-page"}});
      reply = await response.json();
    } catch (error) {
      HTMLFormElement.prototype.submit.call(form);  // as a plain form post
      return;
    }
    const done = document.querySelector(".st-key-login_done button");
    if (reply.ok && reply.handed && done) {
      history.replaceState(history.state, "", reply.next);
      done.click();  // the session's rerun takes the sign-in
    } else {
      window.location.assign(reply.next);  // refused (the page shows why), or signed in by the cookie
    }
  }, true);
})();
