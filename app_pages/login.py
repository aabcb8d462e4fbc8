"""登录: username and password (or the unit's single sign-on when DASHBOARD_AUTH=oidc). Five wrong
passwords in a row lock the account for 15 minutes; every attempt is audited. The form itself is
dashboard.ui.session.login_form (the router shows it under every page URL until one signs in)."""
from dashboard.ui import data, session

session.login_form(data.engine(), data.campaign().name)
