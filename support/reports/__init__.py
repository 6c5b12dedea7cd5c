"""Supporter reports for staff: MRR and its movements, churn, cohorts, LTV, exports."""
