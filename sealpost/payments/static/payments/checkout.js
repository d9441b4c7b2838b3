// Post the checkout to ECPay at once; without script the page's button does the same.
(function () {
  "use strict";
  var form = document.getElementById("ecpay-form");
  if (form) {
    form.submit();
  }
})();
