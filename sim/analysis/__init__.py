"""Analysis of results: comparisons between configurations, one-at-a-time sensitivity, figures."""
