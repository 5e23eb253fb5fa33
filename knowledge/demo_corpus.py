# ruff: noqa: E501 - one customer message a line reads best
"""A labelled knowledge base: 30 articles and 60 customer messages, each labelled
with the article that answers it. Written for the insights quality test
(tests/knowledge/test_quality.py: does the local provider find the right article
among its top three?) and used by the demo data (knowledge.demo), so the AI Insights
tab of the demo shows true matches. Messages are phrased the way customers write,
not copied from the articles."""

# key: (article title, article steps, [(ticket subject, customer message), ...])
CORPUS = {
    "password-reset": (
        "Resetting a forgotten password",
        [
            "Open the sign-in page and choose 'Forgot password'.",
            "Enter the account e-mail; the reset link arrives within five minutes.",
            "Check the spam folder if the reset e-mail does not arrive.",
        ],
        [
            (
                "Can't remember my password",
                "I forgot my password and can't sign in. How do I reset it?",
            ),
            (
                "Reset link never came",
                "I asked for a password reset twice but no e-mail arrived in my inbox.",
            ),
        ],
    ),
    "two-factor": (
        "Lost your two-factor authentication device",
        [
            "Use one of the backup codes saved when two-factor was turned on.",
            "Without backup codes, ask an account owner to reset two-factor for you.",
            "Set up the authenticator app again on the new phone.",
        ],
        [
            (
                "New phone, no authenticator codes",
                "I got a new phone and my authenticator app codes are gone, I can't log in.",
            ),
            (
                "2FA code not accepted",
                "The two-factor code from my authenticator is rejected every time.",
            ),
        ],
    ),
    "double-charge": (
        "Charged twice for the same invoice",
        [
            "Open Billing > Payments and compare the two charges.",
            "A pending authorisation disappears within 3 to 5 business days.",
            "If both charges settled, we refund the duplicate charge in full.",
        ],
        [
            (
                "Double charge on my card",
                "My credit card statement shows I was charged twice this month.",
            ),
            (
                "Billed two times",
                "You took the subscription payment two times, please refund one charge.",
            ),
        ],
    ),
    "refund-policy": (
        "Refunds for annual plans",
        [
            "Annual plans cancelled within 30 days get a full refund.",
            "After 30 days the unused months are refunded pro rata.",
            "Refunds reach the original payment method in 5 to 10 days.",
        ],
        [
            (
                "Want my money back for the yearly plan",
                "I bought the annual plan last week by mistake, can I get a refund?",
            ),
            (
                "Refund after cancelling annual subscription",
                "I cancelled my annual subscription, will the unused months be refunded?",
            ),
        ],
    ),
    "invoice-vat": (
        "Adding a VAT number to invoices",
        [
            "Go to Billing > Company details and enter the VAT number.",
            "Invoices issued after the change show the VAT number.",
            "Past invoices can be reissued from the invoice list.",
        ],
        [
            (
                "Our VAT ID is missing on the invoice",
                "The invoice doesn't show our company VAT ID, our accountant needs it.",
            ),
            (
                "Reissue invoice with tax number",
                "Can you reissue last month's invoice with our tax number on it?",
            ),
        ],
    ),
    "change-plan": (
        "Upgrading or downgrading your plan",
        [
            "Open Billing > Plan and pick the new plan.",
            "Upgrades apply at once and are prorated.",
            "Downgrades take effect at the end of the billing period.",
        ],
        [
            (
                "Move to a cheaper plan",
                "How do I downgrade from Business to Starter? We need fewer features.",
            ),
            (
                "Upgrade to Pro mid-month",
                "If I upgrade to Pro today, what will I pay for the rest of the month?",
            ),
        ],
    ),
    "cancel-account": (
        "Closing your account",
        [
            "An account owner opens Settings > Account and chooses 'Close account'.",
            "Export your data first: closed accounts are deleted after 30 days.",
            "Billing stops at the end of the current period.",
        ],
        [
            (
                "Please delete my account",
                "We stopped using the product. How do I close the account for good?",
            ),
            (
                "Close our workspace",
                "I want to shut down our workspace and stop all future billing.",
            ),
        ],
    ),
    "export-data": (
        "Exporting your data to CSV",
        [
            "Open Settings > Data and choose 'Export'.",
            "Large exports are prepared in the background and e-mailed as a link.",
            "The CSV opens in Excel or Google Sheets.",
        ],
        [
            (
                "Download all our records",
                "We need a CSV export of all our records for an audit.",
            ),
            (
                "Export to Excel",
                "Is there a way to get the data out into Excel spreadsheets?",
            ),
        ],
    ),
    "import-csv": (
        "Importing contacts from a CSV file",
        [
            "Download the CSV template from Contacts > Import.",
            "Fill one contact per row; the e-mail column is required.",
            "Rows with errors are listed after the upload and nothing else changes.",
        ],
        [
            (
                "Bulk upload contacts",
                "I have 2,000 contacts in a spreadsheet, how can I upload them all at once?",
            ),
            (
                "Import fails with error on rows",
                "My contact import says several rows have errors and I don't know why.",
            ),
        ],
    ),
    "invite-user": (
        "Inviting teammates",
        [
            "An admin opens Settings > Members and chooses 'Invite'.",
            "The invitation e-mail is valid for seven days.",
            "Resend the invitation if it expired.",
        ],
        [
            (
                "Add a colleague",
                "How do I add my colleague so she can log in to our team?",
            ),
            (
                "Invitation expired",
                "My teammate says the invitation link has expired, what now?",
            ),
        ],
    ),
    "remove-user": (
        "Removing a member who left",
        [
            "An admin opens Settings > Members and removes the person.",
            "Their open tickets are unassigned, not deleted.",
            "The seat is freed for the next invoice.",
        ],
        [
            (
                "Employee left the company",
                "An employee left, how do we remove their access and stop paying for the seat?",
            ),
            (
                "Revoke access for former staff",
                "Please revoke access for a former staff member right away.",
            ),
        ],
    ),
    "sso-setup": (
        "Setting up single sign-on with SAML",
        [
            "Copy the ACS URL and entity ID from Settings > Security > SSO.",
            "Create a SAML application in your identity provider with them.",
            "Upload the identity provider's metadata XML and test the login.",
        ],
        [
            (
                "Okta integration for login",
                "We want our staff to log in through Okta. Do you support SAML?",
            ),
            (
                "SAML login error from Azure AD",
                "After configuring Azure AD SSO we get a SAML response error on login.",
            ),
        ],
    ),
    "api-key": (
        "Creating and rotating API keys",
        [
            "Open Settings > API and create a key with the scopes you need.",
            "Copy the key at once: it is shown only one time.",
            "Rotate by creating a new key, deploying it, then revoking the old one.",
        ],
        [
            (
                "Where do I get an API token",
                "I'm a developer and need an API token to call your REST endpoints.",
            ),
            (
                "Leaked API key",
                "We accidentally committed our API key to GitHub, how do we revoke it?",
            ),
        ],
    ),
    "rate-limit": (
        "API rate limits and 429 errors",
        [
            "Each key may make 600 requests a minute.",
            "A 429 answer carries a Retry-After header: wait that long.",
            "Batch endpoints count as one request.",
        ],
        [
            (
                "Getting 429 Too Many Requests",
                "Our integration keeps getting HTTP 429 Too Many Requests from the API.",
            ),
            (
                "API throttling",
                "Is the API throttled? Our sync job slows down and requests get rejected.",
            ),
        ],
    ),
    "webhook-fail": (
        "Webhooks are not delivered",
        [
            "Check that the endpoint answers 2xx within ten seconds.",
            "Failed deliveries are retried for 24 hours with backoff.",
            "Verify the signature header with the webhook secret.",
        ],
        [
            (
                "Webhook events stopped arriving",
                "Our server stopped receiving webhook events since yesterday.",
            ),
            (
                "Webhook signature invalid",
                "We can't verify the webhook signature, the HMAC doesn't match.",
            ),
        ],
    ),
    "email-notifications": (
        "Not receiving notification e-mails",
        [
            "Check Settings > Notifications: e-mail must be turned on.",
            "Add our sending domain to the allow list of your mail server.",
            "Look in the spam or quarantine folder.",
        ],
        [
            (
                "No emails from you anymore",
                "I no longer get any notification emails when something changes.",
            ),
            (
                "Notifications land in spam",
                "All your notification messages end up in our spam folder.",
            ),
        ],
    ),
    "mobile-app-crash": (
        "The mobile app crashes on start",
        [
            "Update the app to the latest version from the store.",
            "Clear the app cache, or delete and reinstall the app.",
            "Send us the crash report from Settings > About if it continues.",
        ],
        [
            (
                "iPhone app closes immediately",
                "The iPhone app opens and then closes immediately every time.",
            ),
            (
                "Android app keeps crashing",
                "Since the last update the Android app keeps crashing on launch.",
            ),
        ],
    ),
    "slow-dashboard": (
        "The dashboard loads slowly",
        [
            "Narrow the date range: a year of data takes longer to draw.",
            "Turn off widgets you do not use.",
            "Try another browser without extensions to rule them out.",
        ],
        [
            (
                "Dashboard takes forever",
                "The dashboard takes over a minute to load every morning.",
            ),
            (
                "Reports page very slow",
                "Charts on the dashboard are really slow and sometimes time out.",
            ),
        ],
    ),
    "timezone": (
        "Times are shown in the wrong time zone",
        [
            "Set your own time zone in Profile > Preferences.",
            "The workspace time zone (Settings > General) applies to reports.",
            "Sign out and in again for the change to apply everywhere.",
        ],
        [
            (
                "Timestamps off by hours",
                "All the timestamps are off by five hours compared to my clock.",
            ),
            (
                "Wrong timezone in reports",
                "Reports use UTC but we are in Berlin, how do I change the timezone?",
            ),
        ],
    ),
    "custom-domain": (
        "Using your own domain for the help center",
        [
            "Add a CNAME record pointing help.yourcompany.com to our host.",
            "Enter the domain in Settings > Help center > Domain.",
            "The TLS certificate is issued automatically within an hour.",
        ],
        [
            (
                "Help center on our own domain",
                "Can our help center live at support.ourcompany.com instead of your domain?",
            ),
            (
                "CNAME certificate not working",
                "We added the CNAME but the browser shows a certificate warning.",
            ),
        ],
    ),
    "shipping-delay": (
        "Where is my order? Shipping times",
        [
            "Orders ship within two business days; tracking is e-mailed at dispatch.",
            "Open the tracking link to see where the parcel is.",
            "Parcels not delivered after ten days are reshipped at no cost.",
        ],
        [
            (
                "Package hasn't arrived",
                "I ordered two weeks ago and my package still hasn't arrived.",
            ),
            (
                "No tracking number",
                "My order was paid but I never got a tracking number for the parcel.",
            ),
        ],
    ),
    "return-item": (
        "Returning an item",
        [
            "Request a return label from Orders > Return within 30 days.",
            "Pack the item unused in its original packaging.",
            "The refund is issued when the warehouse receives the parcel.",
        ],
        [
            ("Send back a product", "The shoes don't fit, how can I send them back?"),
            (
                "Return label request",
                "I need a return label for the jacket I received.",
            ),
        ],
    ),
    "damaged-item": (
        "Received a damaged or wrong item",
        [
            "Take a photo of the damage or the wrong item and its label.",
            "Reply with the photo and the order number.",
            "We send a replacement at once; no need to return the broken item.",
        ],
        [
            (
                "Arrived broken",
                "The vase arrived broken into pieces, the box was crushed.",
            ),
            (
                "Wrong product delivered",
                "I received a blue kettle but ordered the red one.",
            ),
        ],
    ),
    "address-change": (
        "Changing the delivery address of an order",
        [
            "The address can be changed until the order is dispatched.",
            "Open Orders, choose the order and edit the shipping address.",
            "After dispatch, ask the carrier to redirect the parcel.",
        ],
        [
            (
                "Ship to a different address",
                "I entered my old address at checkout, can you ship to my new flat?",
            ),
            (
                "Typo in delivery address",
                "There's a typo in the street name of my delivery address.",
            ),
        ],
    ),
    "discount-code": (
        "Discount code does not work",
        [
            "Codes are case-sensitive and valid until the date in the e-mail.",
            "Only one code applies per order.",
            "Sale items are excluded from most codes.",
        ],
        [
            (
                "Promo code rejected at checkout",
                "The promo code from your newsletter is rejected at checkout.",
            ),
            (
                "Coupon not applied",
                "My coupon isn't applied to the total, it says not valid.",
            ),
        ],
    ),
    "gift-card": (
        "Gift card balance and redemption",
        [
            "Enter the gift card number at checkout under 'Gift card'.",
            "The remaining balance stays on the card for the next order.",
            "Gift cards are valid for three years.",
        ],
        [
            (
                "How much is left on my gift card",
                "How do I check the remaining balance on a gift card?",
            ),
            (
                "Gift card won't redeem",
                "The gift card number I got for my birthday doesn't redeem.",
            ),
        ],
    ),
    "data-privacy": (
        "Requesting your personal data (GDPR)",
        [
            "Send the request from Profile > Privacy > Download my data.",
            "We answer within 30 days as GDPR requires.",
            "To erase your data choose 'Delete my personal data' instead.",
        ],
        [
            (
                "GDPR data access request",
                "Under GDPR I request a copy of all the personal data you hold on me.",
            ),
            (
                "Erase my personal information",
                "Please erase my personal information from your systems.",
            ),
        ],
    ),
    "integration-slack": (
        "Connecting Slack",
        [
            "Open Settings > Integrations > Slack and choose 'Connect'.",
            "Pick the channel that receives the alerts.",
            "Reconnect if the Slack token was revoked.",
        ],
        [
            (
                "Alerts in our Slack channel",
                "Can we get the alerts posted to a Slack channel?",
            ),
            (
                "Slack messages stopped",
                "The Slack integration stopped posting messages to our channel.",
            ),
        ],
    ),
    "print-labels": (
        "Printing shipping labels",
        [
            "Choose the orders and click 'Print labels' to get one PDF.",
            "Set the label size (A6 or 4x6 inch) in Settings > Shipping.",
            "Use the printer's actual size option, not 'fit to page'.",
        ],
        [
            (
                "Labels print too small",
                "Shipping labels come out tiny on our thermal printer.",
            ),
            (
                "Batch print labels",
                "How can I print the labels for fifty orders at once?",
            ),
        ],
    ),
    "account-locked": (
        "Account locked after failed sign-ins",
        [
            "After five wrong passwords the account locks for 15 minutes.",
            "Wait 15 minutes, or reset the password to unlock it at once.",
            "An admin can unlock a member from Settings > Members.",
        ],
        [
            (
                "Locked out after wrong attempts",
                "I typed the wrong password a few times and now my account is locked.",
            ),
            (
                "Too many sign-in attempts message",
                "It says too many sign-in attempts, try again later. I need access now.",
            ),
        ],
    ),
}
