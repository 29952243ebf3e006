"""Payment gateways: Alipay's RSA2 signing, an Alipay client, and the built-in sandbox gateway that stands
in for Alipay in the demo and the tests."""
