"""Stand-ins for vnEdu, CSDL ngành and the reporting portal, and a synthetic school."""
