"""The provincial reporting portal (cổng báo cáo của Sở GD&ĐT): its API and its report templates."""
