"""Reports: report.html, CloudWatch metric records, a report set published as one."""
