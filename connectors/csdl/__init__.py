"""CSDL ngành: the SOAP web service (`soap`) and the Excel template exchange (`excel`)."""
