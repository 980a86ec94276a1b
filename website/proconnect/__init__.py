"""ProConnect: the State's OpenID Connect sign-in for public agents (optional).

An allauth provider built on allauth's `openid_connect` provider, with what ProConnect requires
and allauth 65 lacks: a long `state`, a `nonce` sent and checked, a fixed scope list, the ID
token's signature always verified, signed user-info answers, and logout at the provider.
"""
