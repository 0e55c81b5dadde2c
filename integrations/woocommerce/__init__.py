"""WooCommerce over its REST API (``/wp-json/wc/v3/``), behind :class:`integrations.ports.Shop`."""
