"""Web tests share the process's web runtime (one long-lived Chromium), stopped at exit."""
