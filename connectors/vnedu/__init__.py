"""vnEdu: the partner REST API (`api`) and the Excel exports schools download (`excel`)."""
