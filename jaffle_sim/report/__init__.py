"""Reading a run back: fidelity profile (realised behaviour against the scenario) and the visual
run report.

    from jaffle_sim.report.profile import profile_folder, profile_result
    from jaffle_sim.report.run_report import write_report
"""
